using Microsoft.AspNetCore.Http.Extensions;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>Sends the client to this host's own hub with a hub token for the caller.</summary>
public sealed class StandaloneNegotiator(HubTokens tokens) : INegotiator
{
    public Task<NegotiateDto> NegotiateAsync(string userId, HttpRequest request, CancellationToken ct)
    {
        // The address the client used, so the redirect works behind whatever name or port it reached us by.
        var url = UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, StandaloneRealtime.HubPath);
        return Task.FromResult(new NegotiateDto(url, tokens.Issue(userId)));
    }
}
