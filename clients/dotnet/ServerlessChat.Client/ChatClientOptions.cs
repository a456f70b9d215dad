using Microsoft.AspNetCore.Http.Connections.Client;

namespace ServerlessChat.Client;

/// <summary>How a <see cref="ChatClient"/> reaches the API. Only <see cref="BaseUrl"/> is required.</summary>
public sealed class ChatClientOptions
{
    /// <summary>Where the API is: <c>https://chat.example.com</c> (its routes are under <c>/api</c>; a trailing <c>/api</c> is accepted too).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>
    /// For users signed in elsewhere (an integrator's identity): returns an access token the API accepts. Asked when
    /// the client has none and again after the API refused the last one (once per refusal, shared by every request
    /// refused with it). With it, <see cref="ChatClient.RegisterAsync"/>/<see cref="ChatClient.LoginAsync"/> are not used.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; init; }

    /// <summary>The handler under the client's own (proxies, test servers, resilience). The client does not dispose it. Ignored when <see cref="HttpClient"/> is set.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; init; }

    /// <summary>
    /// An HttpClient of the app's (say, from IHttpClientFactory). The client sends through it as it is, so it must
    /// not add its own Authorization header; the client adds the bearer token to each request. Not disposed by the client.
    /// </summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>The sync cursor to resume from (one kept from <see cref="ChatClient.CursorChanged"/> in an earlier run). Default: none (changes from the first connect on).</summary>
    public string? Cursor { get; init; }

    /// <summary>How long a new connection may take to say <c>ready</c> before it is dropped and tried again. Default: 15 s.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often <c>POST /api/presence/heartbeat</c> keeps the user online while connected; <see cref="TimeSpan.Zero"/> sends none. Default: 30 s.</summary>
    public TimeSpan PresenceHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Changes to the SignalR connection's options (transports, headers, a WebSocket proxy). Default: none.</summary>
    public Action<HttpConnectionOptions>? ConfigureConnection { get; init; }
}
