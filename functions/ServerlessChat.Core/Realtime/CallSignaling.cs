using System.Text.Json;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Access;
using ServerlessChat.Core.Blocking;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.SystemMessages;

namespace ServerlessChat.Core.Realtime;

/// <summary>
/// WebRTC signaling relay: offers, answers, ICE candidates and hangups go from one user's request to the other
/// user's connections. An offer (what rings) needs the callee to be reachable by the caller
/// (<see cref="ConversationAccess.CanReachAsync"/>: it took part in a conversation they share); the signals of a
/// call under way (answer, ice, hangup) need reach either way, since the one answering is reached by the offer it
/// answers. Nothing is stored but the record a call leaves when it ends (<see cref="CallRecords"/>).
/// </summary>
public sealed class CallSignaling(ChatDirectory directory, ConversationAccess access, BlockDirectory blocks, CallRecords records, IOptions<CallsOptions> options)
{
    /// <summary>An SDP offer with many candidates stays well under this; anything larger is not signaling.</summary>
    public const int MaxPayloadChars = 16 * 1024;

    public static readonly IReadOnlyList<string> Types = ["offer", "answer", "ice", "hangup"];

    public IceServersDto IceServers { get; } = new(options.Value.IceServers
        .Select(s => new IceServerDto(s.Urls, string.IsNullOrEmpty(s.Username) ? null : s.Username, string.IsNullOrEmpty(s.Credential) ? null : s.Credential))
        .ToList());

    public async Task<IReadOnlyList<RealtimeAction>> SignalAsync(string callerId, CallSignalRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var toUserId = rules.Id("toUserId", request.ToUserId);
        if (toUserId is not null && toUserId == callerId)
        {
            rules.Add("toUserId", "A user cannot call itself.");
        }

        // Call ids are client-chosen like clientMessageIds, and follow the same rule.
        if (request.CallId is null)
        {
            rules.Add("callId", "This field is required.");
        }

        var callId = rules.ClientMessageId("callId", request.CallId);
        if (request.Type is null || !Types.Contains(request.Type))
        {
            rules.Add("type", "Use one of offer, answer, ice, hangup.");
        }

        var payload = request.Payload;
        if (payload is { } value)
        {
            if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
            {
                rules.Add("payload", "Give a JSON object or string.");
            }
            else if (value.GetRawText().Length > MaxPayloadChars)
            {
                rules.Add("payload", $"At most {MaxPayloadChars / 1024} KiB.");
            }
        }
        else if (request.Type is not "hangup")
        {
            rules.Add("payload", "This field is required for offer, answer and ice.");
        }

        rules.ThrowIfAny();

        var callee = await directory.GetUserAsync(toUserId!, ct) is { IsErased: false } found ? found : throw ProblemException.NotFound("No such user.");
        if (await blocks.IsBlockedAsync(callee.Id, callerId, ct))
        {
            throw ProblemException.Forbidden("This user does not accept your calls.");
        }

        var reached = await access.CanReachAsync(callerId, callee.Id, ct)
            || (request.Type != "offer" && await access.CanReachAsync(callee.Id, callerId, ct));
        if (!reached)
        {
            throw ProblemException.Forbidden("Calls are only possible between users who share a conversation.");
        }

        var recorded = await records.OnSignalAsync(callerId, callee.Id, callId!, request.Type!, payload, ct);
        return [new SendToUser(callee.Id, ChatHub.CallSignal, new CallSignalDto(callId!, callerId, request.Type!, payload)), .. recorded];
    }
}
