using Microsoft.AspNetCore.Http;

namespace ServerlessChat.Core.Realtime;

/// <summary>
/// Where a user's SignalR client connects, and with which token: the standalone host answers its own hub and a
/// token it signs, the Functions app the SignalR Service client endpoint and a Service token. Implemented by
/// each host; the caller is already authenticated.
/// </summary>
public interface INegotiator
{
    Task<NegotiateDto> NegotiateAsync(string userId, HttpRequest request, CancellationToken ct);
}
