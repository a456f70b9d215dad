using Microsoft.AspNetCore.Http;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// Sends a client to the service's client endpoint with a token for the user the caller's access token names.
/// The SignalR clients follow the {url, accessToken} answer as a redirect.
/// </summary>
public sealed class AzureSignalRNegotiator(AzureSignalRAuthorization authorization, AzureSignalRRestClient rest) : INegotiator
{
    public async Task<NegotiateDto> NegotiateAsync(string userId, HttpRequest request, CancellationToken ct)
    {
        var url = ClientUrl(authorization.Connection.ClientEndpoint);
        var connection = authorization.Connection;
        var token = connection.AuthType == AzureSignalRAuthType.AccessKey
            // The session rides in the token; the service hands it to the upstream, which ties the connection to it.
            ? AzureSignalRTokens.Sign(connection.AccessKey!, url, authorization.Now, authorization.ClientTokenLifetime, userId, Caller.Of(request.HttpContext)?.SessionId)
            : await rest.GenerateClientTokenAsync(userId, authorization.ClientTokenLifetime, ct);
        return new NegotiateDto(url, token);
    }

    /// <summary>The URL clients connect to, which is also the audience of their token.</summary>
    public static string ClientUrl(Uri clientEndpoint) => $"{clientEndpoint.GetLeftPart(UriPartial.Authority)}/client/?hub={ChatHub.Name}";
}
