using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// Bearer tokens for the service's REST API: signed with the access key (audience = the request URL), or, with
/// <c>AuthType=azure.msi</c>, a Microsoft Entra token of the app's managed identity.
/// </summary>
public sealed class AzureSignalRAuthorization
{
    private static readonly string[] EntraScopes = ["https://signalr.azure.com/.default"];

    private readonly AzureSignalROptions _options;
    private readonly TimeProvider _time;
    private readonly TokenCredential? _credential;

    public AzureSignalRAuthorization(IOptions<AzureSignalROptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        Connection = _options.Parsed;
        if (Connection.AuthType == AzureSignalRAuthType.ManagedIdentity)
        {
            _credential = new ManagedIdentityCredential(Connection.ClientId is { } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned);
        }
    }

    public AzureSignalRConnectionString Connection { get; }

    public TimeSpan ClientTokenLifetime => TimeSpan.FromMinutes(_options.ClientTokenMinutes);

    public DateTimeOffset Now => _time.GetUtcNow();

    public async ValueTask<string> RestTokenAsync(Uri requestUrl, CancellationToken ct)
    {
        if (_credential is not null)
        {
            // The credential caches the token until shortly before it expires.
            var token = await _credential.GetTokenAsync(new TokenRequestContext(EntraScopes), ct);
            return token.Token;
        }

        return AzureSignalRTokens.Sign(Connection.AccessKey!, requestUrl.AbsoluteUri, Now, TimeSpan.FromMinutes(_options.RestTokenMinutes));
    }
}
