using Microsoft.AspNetCore.Http.Extensions;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Standalone.Limits;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// Sends the client to this host's own hub with a hub token for the caller, once the hub has a slot for it; at
/// the hub's limit the client is told to come back (503 with Retry-After) before it opens a WebSocket.
/// </summary>
public sealed class StandaloneNegotiator(HubTokens tokens, HubAdmission admission) : INegotiator
{
    public Task<NegotiateDto> NegotiateAsync(string userId, HttpRequest request, CancellationToken ct)
    {
        if (admission.Draining)
        {
            throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "This host is shutting down; retry shortly.")
            {
                RetryAfter = admission.RetryAfter,
            };
        }

        if (!admission.TryReserve())
        {
            throw new ProblemException(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                $"The realtime service is at its limit of {admission.Capacity} connections; retry shortly.")
            {
                RetryAfter = admission.RetryAfter,
            };
        }

        // The address the client used, so the redirect works behind whatever name or port it reached us by.
        var url = UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, StandaloneRealtime.HubPath);
        return Task.FromResult(new NegotiateDto(url, tokens.Issue(userId, Caller.Of(request.HttpContext)?.SessionId)));
    }
}
