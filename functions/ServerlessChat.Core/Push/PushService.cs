using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Push;

/// <summary>The push routes: the VAPID public key, subscriptions and mutes.</summary>
public sealed class PushService(IPushStore store, PushEndpointGuard guard, ChatDirectory directory, IOptions<PushOptions> options, TimeProvider time)
{
    /// <summary>Subscriptions a user keeps (API.md): a new one beyond this replaces the oldest, so one account cannot fan a send out without end.</summary>
    public const int MaxSubscriptionsPerUser = 10;

    public VapidPublicKeyDto GetPublicKey() => new(RequireEnabled().VapidPublicKey!);

    public async Task SubscribeAsync(string callerId, PushSubscriptionRequest request, CancellationToken ct)
    {
        RequireEnabled();
        var rules = new InputRules();
        var endpoint = guard.ParseEndpoint(request.Endpoint);
        if (endpoint is null)
        {
            rules.Add("endpoint", options.Value.AllowInsecureEndpoints ? "Give the subscription's endpoint URL." : "Give the subscription's https endpoint URL.");
        }
        if (!IsP256Point(request.Keys?.P256dh))
        {
            rules.Add("keys.p256dh", "Give the subscription's P-256 public key, base64url.");
        }
        if (!IsBase64Url(request.Keys?.Auth, 16))
        {
            rules.Add("keys.auth", "Give the subscription's 16-byte auth secret, base64url.");
        }
        rules.ThrowIfAny();

        if (!await guard.IsAllowedAsync(endpoint!, ct))
        {
            rules.Add("endpoint", "The endpoint must resolve to public addresses only.");
            rules.ThrowIfAny();
        }

        await store.SaveSubscriptionAsync(new PushSubscriptionRecord(callerId, request.Endpoint!, request.Keys!.P256dh!, request.Keys.Auth!, time.GetUtcNow()), MaxSubscriptionsPerUser, ct);
    }

    public Task UnsubscribeAsync(string callerId, string? endpoint, CancellationToken ct)
    {
        RequireEnabled();
        if (string.IsNullOrEmpty(endpoint) || endpoint.Length > PushEndpointGuard.MaxEndpointLength)
        {
            throw ProblemException.Validation("endpoint", "Give the subscription's endpoint URL.");
        }
        return store.DeleteSubscriptionAsync(callerId, endpoint, ct);
    }

    public async Task MuteAsync(string callerId, string conversationId, bool muted, CancellationToken ct)
    {
        RequireEnabled();
        if (!await CanSeeAsync(callerId, conversationId, ct))
        {
            throw ProblemException.NotFound("No such conversation.");
        }
        await (muted ? store.MuteAsync(callerId, conversationId, ct) : store.UnmuteAsync(callerId, conversationId, ct));
    }

    public async Task<MutesDto> ListMutesAsync(string callerId, CancellationToken ct)
    {
        RequireEnabled();
        return new MutesDto(await store.ListMutedAsync(callerId, ct));
    }

    private async Task<bool> CanSeeAsync(string callerId, string conversationId, CancellationToken ct)
    {
        var parts = conversationId.Split(':');
        return parts switch
        {
            ["g", var groupId] when InputRules.IsId(groupId) => await directory.GetGroupForMemberAsync(groupId, callerId, ct) is not null,
            ["d", var a, var b] when InputRules.IsId(a) && InputRules.IsId(b) => (a == callerId || b == callerId) && conversationId == ConversationIds.Direct(a, b),
            _ => false,
        };
    }

    private PushOptions RequireEnabled() =>
        options.Value.Enabled ? options.Value : throw ProblemException.NotFound("Push notifications are not configured on this server.");

    private static bool IsBase64Url(string? value, int length)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 200)
        {
            return false;
        }
        try
        {
            return WebEncoders.Base64UrlDecode(value).Length == length;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsP256Point(string? value)
    {
        if (!IsBase64Url(value, 65))
        {
            return false;
        }
        var point = WebEncoders.Base64UrlDecode(value!);
        if (point[0] != 0x04)
        {
            return false;
        }
        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
