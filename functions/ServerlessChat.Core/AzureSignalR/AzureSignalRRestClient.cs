using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.AzureSignalR;

/// <summary>
/// The service's data-plane REST API (version 2022-11-01) for hub <see cref="ChatHub.Name"/>: one request per
/// realtime action, and the client token request used with a managed identity. Typed HttpClient; retries of
/// transient failures come from the resilience handler its named HttpClient is registered with.
/// </summary>
public sealed class AzureSignalRRestClient(IHttpClientFactory clients, AzureSignalRAuthorization authorization)
{
    public const string ApiVersion = "2022-11-01";

    /// <summary>The named HttpClient; a client is taken per call so handler rotation (DNS changes) still applies to this singleton.</summary>
    public const string HttpClientName = "AzureSignalR";

    /// <summary>Throws <see cref="HttpRequestException"/> when the service does not accept the action.</summary>
    public async Task SendAsync(RealtimeAction action, CancellationToken ct)
    {
        var (method, path, body) = action switch
        {
            SendToUser send => (HttpMethod.Post, $"users/{Segment(send.UserId)}/:send", Payload(send.Target, send.Payload)),
            SendToGroup send => (HttpMethod.Post, $"groups/{Segment(send.GroupName)}/:send", Payload(send.Target, send.Payload)),
            SendToConnection send => (HttpMethod.Post, $"connections/{Segment(send.ConnectionId)}/:send", Payload(send.Target, send.Payload)),
            AddUserToGroup add => (HttpMethod.Put, $"users/{Segment(add.UserId)}/groups/{Segment(add.GroupName)}", null),
            RemoveUserFromGroup remove => (HttpMethod.Delete, $"users/{Segment(remove.UserId)}/groups/{Segment(remove.GroupName)}", null),
            CloseSessionConnections close => (HttpMethod.Post, $"groups/{Segment(ChatHub.SessionGroup(close.SessionId))}/:closeConnections", null),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.GetType().Name, "Unknown realtime action."),
        };
        using var request = await CreateAsync(method, path, string.Empty, ct);
        request.Content = body;
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Adds one connection to a group (<c>PUT groups/{group}/connections/{connectionId}</c>).</summary>
    public Task AddConnectionToGroupAsync(string connectionId, string group, CancellationToken ct) =>
        CallAsync(HttpMethod.Put, $"groups/{Segment(group)}/connections/{Segment(connectionId)}", string.Empty, ct);

    /// <summary>Closes every connection in a group (<c>POST groups/{group}/:closeConnections</c>); none is fine.</summary>
    public Task CloseGroupConnectionsAsync(string group, string reason, CancellationToken ct) =>
        CallAsync(HttpMethod.Post, $"groups/{Segment(group)}/:closeConnections", $"&reason={Segment(reason)}", ct);

    /// <summary>Closes one connection (<c>DELETE connections/{connectionId}</c>).</summary>
    public Task CloseConnectionAsync(string connectionId, string reason, CancellationToken ct) =>
        CallAsync(HttpMethod.Delete, $"connections/{Segment(connectionId)}", $"&reason={Segment(reason)}", ct);

    private async Task CallAsync(HttpMethod method, string path, string extraQuery, CancellationToken ct)
    {
        using var request = await CreateAsync(method, path, extraQuery, ct);
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A client token issued by the service itself (managed identity: there is no key to sign one with).</summary>
    public async Task<string> GenerateClientTokenAsync(string userId, TimeSpan lifetime, CancellationToken ct)
    {
        var minutes = Math.Max(1, (int)lifetime.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = await CreateAsync(HttpMethod.Post, ":generateToken", $"&userId={Segment(userId)}&minutesToExpire={minutes}", ct);
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return answer.TryGetProperty("token", out var token) && token.GetString() is { Length: > 0 } value
            ? value
            : throw new HttpRequestException("The service answered :generateToken without a token.");
    }

    private async Task<HttpRequestMessage> CreateAsync(HttpMethod method, string path, string extraQuery, CancellationToken ct)
    {
        var url = new Uri(authorization.Connection.Endpoint, $"api/hubs/{ChatHub.Name}/{path}?api-version={ApiVersion}{extraQuery}");
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await authorization.RestTokenAsync(url, ct));
        return request;
    }

    private static JsonContent Payload(string target, object payload) =>
        JsonContent.Create(new PayloadMessage(target, [payload]), options: ChatJson.Options);

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private sealed record PayloadMessage(string Target, object[] Arguments);
}
