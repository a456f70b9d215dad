using Microsoft.AspNetCore.SignalR;
using ServerlessChat.Standalone.Limits;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// The client side of the local service at <c>/client/?hub=chat</c>. Like Azure SignalR Service in serverless
/// mode it runs no application logic: it keeps the connection in the groups its user was added to over REST and
/// tells the upstream about the connection opening and closing. Clients only listen: the hub has no methods.
/// </summary>
public sealed class LocalSignalRServiceHub(LocalSignalRServiceConnections connections, LocalSignalRUpstream upstream, HubAdmission admission) : Hub
{
    public override async Task OnConnectedAsync()
    {
        if (!admission.TryAdmit(Context))
        {
            return;
        }

        await connections.ConnectedAsync(Context.UserIdentifier, Context);
        upstream.Connected(Hub(), Context.ConnectionId, Context.UserIdentifier, ClientQuery(), UserClaims());
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (!HubAdmission.WasAdmitted(Context))
        {
            return Task.CompletedTask;
        }

        connections.Disconnected(Context.UserIdentifier, Context.ConnectionId);
        upstream.Disconnected(Hub(), Context.ConnectionId, Context.UserIdentifier, ClientQuery(), exception?.Message);
        return Task.CompletedTask;
    }

    private string Hub() => Context.GetHttpContext()?.Request.Query["hub"].ToString() is { Length: > 0 } hub ? hub : Core.Realtime.ChatHub.Name;

    /// <summary>The token's own claims as the service passes them upstream: <c>type= value, type= value</c>.</summary>
    private string? UserClaims()
    {
        var claims = Context.User?.Claims.Where(c => c.Type is not (System.Security.Claims.ClaimTypes.NameIdentifier)).Select(c => $"{c.Type}= {c.Value}").ToList();
        return claims is { Count: > 0 } ? string.Join(", ", claims) : null;
    }

    private string? ClientQuery() => Context.GetHttpContext()?.Request.QueryString.Value?.TrimStart('?');
}
