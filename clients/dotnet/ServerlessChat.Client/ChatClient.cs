using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace ServerlessChat.Client;

/// <summary>
/// The ServerlessChat client: the typed REST API (<see cref="Api"/>), the session, and the realtime connection with
/// the sync that makes every stored-state change reach its event exactly once, in its conversation's order.
/// Thread-safe. Event handlers run one at a time, in order, never under the client's locks; one that throws is
/// reported through <see cref="HandlerFailed"/> and the next one runs.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private const string SyncPage = "200";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] StoredEvents = ["newMessage", "messageUpdated", "messageDeleted", "messagesRead", "reactionsUpdated", "groupUpdated", "userUpdated"];
    private static readonly string[] TransientEvents = ["typing", "presence", "callSignal"];

    private readonly ChatClientOptions _options;
    private readonly HttpMessageHandler _transport;
    private readonly HttpClient _authorized;
    private readonly HttpClient _anonymousHttp;
    private readonly ChatApi _anonymous;
    private readonly Credentials _credentials;
    private readonly ChangeFeed _feed;
    private readonly Outbox _outbox;
    private readonly object _gate = new();
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly Channel<Action> _dispatch = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _dispatcher;
    private readonly List<TaskCompletionSource> _connectedWaiters = [];
    private ConnectionState _state = ConnectionState.Disconnected;
    private CancellationTokenSource? _run;
    private Task _loop = Task.CompletedTask;
    private HubConnection? _hub;
    private (Task Closed, CancellationToken Token) _hubLife;
    private int _settleWaits;
    private bool _flushing;
    private bool _flushAgain;
    private bool _disposed;

    /// <summary>Creates a client; nothing is sent until a call.</summary>
    public ChatClient(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BaseUrl);
        _options = options;
        var baseUrl = new Uri(options.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') is var path && path.EndsWith("/api", StringComparison.OrdinalIgnoreCase) ? path[..^4] + "/" : path + "/");
        // Disposed with the client; the wrappers leave an injected handler or HttpClient to its owner.
        _transport = options switch
        {
            { HttpClient: { } app } => new ForwardingHandler(app),
            { HttpMessageHandler: { } handler } => new BorrowedHandler(handler),
            _ => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) },
        };
        _anonymousHttp = new HttpClient(_transport, disposeHandler: false) { BaseAddress = baseUrl };
        _anonymous = new ChatApi(_anonymousHttp);
        _credentials = new Credentials(_anonymous, options.TokenProvider, OnSessionEnded);
        _authorized = new HttpClient(new AuthorizingHandler(_credentials) { InnerHandler = new BorrowedHandler(_transport) }) { BaseAddress = baseUrl };
        Api = new ChatApi(_authorized);
        _feed = new ChangeFeed(Deliver, (cursor, fromCheckpoint) => Raise(CursorChanged, new CursorChangedEventArgs(cursor, fromCheckpoint)), options.Cursor);
        _outbox = new Outbox(PostAsync, failed => Raise(OutboxFailed, failed));
        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>Every route of the API, generated from its OpenAPI document; requests carry the session's token (renewed once on a 401).</summary>
    public ChatApi Api { get; }

    /// <summary>The signed-in session (<c>Session.User</c> is the caller); null when signed out or with a token provider.</summary>
    public SessionDto? Session => _credentials.Session;

    /// <summary>The sync cursor the next (re)connect resumes from.</summary>
    public string? Cursor
    {
        get
        {
            lock (_gate)
            {
                return _feed.Cursor;
            }
        }
    }

    /// <summary>Where the realtime connection is now.</summary>
    public ConnectionState ConnectionState
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Messages written but not yet stored, oldest first.</summary>
    public IReadOnlyList<PendingMessage> PendingMessages => _outbox.Pending;

    /// <summary><c>newMessage</c>: a message reached one of the caller's conversations (its own sends included, once).</summary>
    public event EventHandler<ChatChange<MessageDto>>? NewMessage;

    /// <summary><c>messageUpdated</c>: a message was edited, pinned or unpinned.</summary>
    public event EventHandler<ChatChange<MessageDto>>? MessageUpdated;

    /// <summary><c>messageDeleted</c>.</summary>
    public event EventHandler<ChatChange<MessageDeletedEvent>>? MessageDeleted;

    /// <summary><c>messagesRead</c>: a member's read marker moved.</summary>
    public event EventHandler<ChatChange<MessagesReadEvent>>? MessagesRead;

    /// <summary><c>reactionsUpdated</c>: a message's reactions as they are now.</summary>
    public event EventHandler<ChatChange<ReactionsUpdatedEvent>>? ReactionsUpdated;

    /// <summary><c>groupUpdated</c>: a group as it is now (members, admins, name).</summary>
    public event EventHandler<ChatChange<GroupDto>>? GroupUpdated;

    /// <summary><c>userUpdated</c>: a user the caller shares a conversation with changed.</summary>
    public event EventHandler<ChatChange<UserDto>>? UserUpdated;

    /// <summary><c>typing</c> (passes by: delivered only while connected, never replayed).</summary>
    public event EventHandler<TypingEvent>? Typing;

    /// <summary><c>presence</c> (passes by).</summary>
    public event EventHandler<PresenceDto>? Presence;

    /// <summary><c>callSignal</c> (passes by).</summary>
    public event EventHandler<CallSignalEvent>? CallSignal;

    /// <summary>The connection state changed.</summary>
    public event EventHandler<ConnectionState>? ConnectionStateChanged;

    /// <summary>The sync cursor moved (keep it to resume after a restart through <see cref="ChatClientOptions.Cursor"/>).</summary>
    public event EventHandler<CursorChangedEventArgs>? CursorChanged;

    /// <summary>A sync was applied (after every <c>ready</c>, and after <see cref="SyncAsync"/>).</summary>
    public event EventHandler<SyncCompletedEventArgs>? SyncCompleted;

    /// <summary>410: the cursor was older than the kept history. Reload conversations; changes follow from the new cursor (the argument).</summary>
    public event EventHandler<string>? Resynced;

    /// <summary>The session ended (its refresh was refused); the argument says why. Sign in again.</summary>
    public event EventHandler<string>? SessionEnded;

    /// <summary>A queued message the server refused for good (a 4xx); it is out of the outbox.</summary>
    public event EventHandler<OutboxFailedEventArgs>? OutboxFailed;

    /// <summary>An event handler threw; the client went on with the next one.</summary>
    public event EventHandler<Exception>? HandlerFailed;

    // ---- the session ---------------------------------------------------------------------------------------------

    /// <summary>Creates an account and signs in with it.</summary>
    public async Task<SessionDto> RegisterAsync(RegisterRequest request, CancellationToken cancellationToken = default) =>
        await SignedInAsync(await _anonymous.RegisterAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Signs in with a username or email and a password.</summary>
    public async Task<SessionDto> LoginAsync(LoginRequest request, CancellationToken cancellationToken = default) =>
        await SignedInAsync(await _anonymous.LoginAsync(request, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Ends the session on the server and here: disconnects, forgets the cursor and drops the outbox.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        var session = _credentials.Session;
        await DisconnectAsync(cancellationToken).ConfigureAwait(false);
        _outbox.Discard();
        if (session is not null)
        {
            try
            {
                await Api.LogoutAsync(new RefreshRequest { RefreshToken = session.RefreshToken }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is ChatApiException || Transient.Is(error, cancellationToken))
            {
                // Signed out here either way; the server's session lapses with its refresh token.
            }
        }

        _credentials.Forget();
        lock (_gate)
        {
            _feed.Reset(null);
        }
    }

    private async Task<SessionDto> SignedInAsync(SessionDto session, CancellationToken ct)
    {
        // Another user on this client starts from nothing; the first sign-in keeps ChatClientOptions.Cursor.
        var switched = _credentials.Session is { } before && before.User.Id != session.User.Id;
        if (switched)
        {
            await DisconnectAsync(ct).ConfigureAwait(false);
            _outbox.Discard();
        }

        _credentials.Adopt(session);
        if (switched)
        {
            lock (_gate)
            {
                _feed.Reset(null);
            }
        }

        return session;
    }

    private void OnSessionEnded(string reason)
    {
        CancellationTokenSource? run;
        lock (_gate)
        {
            run = _run;
        }

        run?.Cancel();
        Raise(SessionEnded, reason);
        FailWaiters(new ChatApiException(reason, (int)HttpStatusCode.Unauthorized, null, new Dictionary<string, IEnumerable<string>>(), null));
    }

    // ---- the connection ------------------------------------------------------------------------------------------

    /// <summary>
    /// Connects, and stays connected until <see cref="DisconnectAsync"/>: every drop is followed by a new negotiate
    /// and connection (waits of at most 2 s with jitter, longer only when negotiate answers <c>Retry-After</c>).
    /// Completes once connected and caught up (the sync after <c>ready</c> applied); cancelling stops the wait only.
    /// </summary>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (!_credentials.SignedIn)
        {
            throw new InvalidOperationException("Sign in first (RegisterAsync or LoginAsync), or give the options a TokenProvider.");
        }

        TaskCompletionSource connected;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state == ConnectionState.Connected)
            {
                return Task.CompletedTask;
            }

            connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connectedWaiters.Add(connected);
            if (_run is null)
            {
                var run = _run = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                var previous = _loop;
                _loop = Task.Run(async () =>
                {
                    // The loop of a DisconnectAsync still winding down goes first: two never share the hub.
                    await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await StayConnectedAsync(run).ConfigureAwait(false);
                });
            }
        }

        return connected.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Closes the connection and stops reconnecting; queued messages stay queued.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? run;
        Task loop;
        lock (_gate)
        {
            run = _run;
            _run = null;
            loop = _loop;
        }

        if (run is not null)
        {
            await run.CancelAsync().ConfigureAwait(false);
        }

        await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        run?.Dispose();
        FailWaiters(new OperationCanceledException("The client was disconnected."));
        SetState(ConnectionState.Disconnected);
    }

    private async Task StayConnectedAsync(CancellationTokenSource run)
    {
        var ct = run.Token;
        var attempt = 0;
        var everConnected = false;
        Exception? fatal = null;
        while (!ct.IsCancellationRequested)
        {
            SetState(everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting);
            TimeSpan? retryAfter = null;
            try
            {
                if (await RunConnectionAsync(ct).ConfigureAwait(false))
                {
                    everConnected = true;
                    attempt = 0;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (ChatApiException error) when (error.StatusCode is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden)
            {
                // The token was refused even after its renewal: reconnecting cannot help.
                fatal = error;
                break;
            }
            catch (ChatApiException error)
            {
                retryAfter = error.RetryAfter;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // No answer, a host going down, or a hub that refused the WebSocket (the SignalR client's
                // AggregateException over its transports): every other failure is worth another connection.
            }

            if (ct.IsCancellationRequested)
            {
                break;
            }

            SetState(everConnected ? ConnectionState.Reconnecting : ConnectionState.Connecting);
            try
            {
                await Task.Delay(Backoff.Delay(attempt, retryAfter), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            attempt++;
        }

        bool ours;
        lock (_gate)
        {
            // Still the current run: it ended on its own (the session is gone), not through DisconnectAsync.
            ours = ReferenceEquals(_run, run);
            if (ours)
            {
                _run = null;
            }
        }

        if (ours)
        {
            run.Dispose();
            FailWaiters(fatal ?? new OperationCanceledException("The session ended."));
            SetState(ConnectionState.Disconnected);
        }
    }

    /// <summary>One connection, from negotiate until it closes; true when it became ready and caught up.</summary>
    private async Task<bool> RunConnectionAsync(CancellationToken ct)
    {
        var negotiated = await Api.NegotiateAsync(ct).ConfigureAwait(false);
        var hub = new HubConnectionBuilder()
            .WithUrl(negotiated.Url, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(negotiated.AccessToken);
                if (_options.HttpMessageHandler is { } handler && _options.HttpClient is null)
                {
                    options.HttpMessageHandlerFactory = _ => new BorrowedHandler(handler);
                }

                _options.ConfigureConnection?.Invoke(options);
            })
            .Build();
        var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        foreach (var name in StoredEvents)
        {
            hub.On<JsonElement>(name, data => OnLive(hub, name, data));
        }

        foreach (var name in TransientEvents)
        {
            hub.On<JsonElement>(name, data => OnTransient(hub, name, data));
        }

        hub.On<JsonElement>("checkpoint", data => OnCheckpoint(hub, data));
        var readies = 0;
        // Registered before start: ready can arrive before StartAsync returns. A later one (there should be none) syncs again.
        hub.On<JsonElement>("ready", data =>
        {
            if (Interlocked.Increment(ref readies) == 1)
            {
                ready.TrySetResult(StringProperty(data, "cursor"));
            }
            else if (IsCurrent(hub))
            {
                _ = SyncUntilDoneAsync(hub, closed.Task, ct);
            }
        });
        lock (_gate)
        {
            _feed.ConnectionStarted();
            _hub = hub;
            _hubLife = (closed.Task, ct);
        }

        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task? heartbeat = null;
        try
        {
            await hub.StartAsync(ct).ConfigureAwait(false);
            var timeout = Task.Delay(_options.ReadyTimeout, ct);
            if (await Task.WhenAny(ready.Task, closed.Task, timeout).ConfigureAwait(false) != ready.Task)
            {
                ct.ThrowIfCancellationRequested();
                return false;
            }

            lock (_gate)
            {
                if (_feed.Cursor is null && ready.Task.Result is { } cursor)
                {
                    _feed.RestartFrom(cursor);
                }
            }

            if (!await SyncUntilDoneAsync(hub, closed.Task, ct).ConfigureAwait(false))
            {
                ct.ThrowIfCancellationRequested();
                return false;
            }

            Connected();
            heartbeat = HeartbeatAsync(connection.Token);
            await closed.Task.WaitAsync(ct).ConfigureAwait(false);
            return true;
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_hub, hub))
                {
                    _hub = null;
                }
            }

            await connection.CancelAsync().ConfigureAwait(false);
            if (heartbeat is not null)
            {
                await heartbeat.ConfigureAwait(false);
            }

            await hub.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Connected()
    {
        TaskCompletionSource[] waiters;
        lock (_gate)
        {
            waiters = [.. _connectedWaiters];
            _connectedWaiters.Clear();
        }

        SetState(ConnectionState.Connected);
        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }

        KickOutbox();
    }

    private void FailWaiters(Exception error)
    {
        TaskCompletionSource[] waiters;
        lock (_gate)
        {
            waiters = [.. _connectedWaiters];
            _connectedWaiters.Clear();
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetException(error);
        }
    }

    private async Task HeartbeatAsync(CancellationToken ct)
    {
        if (_options.PresenceHeartbeatInterval <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            using var timer = new PeriodicTimer(_options.PresenceHeartbeatInterval);
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await Api.PresenceHeartbeatAsync(ct).ConfigureAwait(false);
                }
                catch (Exception error) when (error is ChatApiException || Transient.Is(error, ct))
                {
                    // The next beat, or the next connection, tries again.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection closed.
        }
    }

    private bool IsCurrent(HubConnection hub)
    {
        lock (_gate)
        {
            return ReferenceEquals(_hub, hub);
        }
    }

    private void OnLive(HubConnection hub, string type, JsonElement data)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_hub, hub))
            {
                _feed.Live(type, data);
            }
        }
    }

    private void OnCheckpoint(HubConnection hub, JsonElement data)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_hub, hub) && StringProperty(data, "cursor") is { } cursor)
            {
                _feed.Checkpoint(cursor);
            }
        }
    }

    private void OnTransient(HubConnection hub, string type, JsonElement data)
    {
        if (!IsCurrent(hub))
        {
            return;
        }

        switch (type)
        {
            case "typing":
                Raise(Typing, data.Deserialize<TypingEvent>(Json)!);
                break;
            case "presence":
                Raise(Presence, data.Deserialize<PresenceDto>(Json)!);
                break;
            case "callSignal":
                Raise(CallSignal, data.Deserialize<CallSignalEvent>(Json)!);
                break;
        }
    }

    // ---- sync ----------------------------------------------------------------------------------------------------

    /// <summary>Syncs, retrying a failed request after a wait while this connection stays up; false when it went down first.</summary>
    private async Task<bool> SyncUntilDoneAsync(HubConnection hub, Task closed, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (ct.IsCancellationRequested || closed.IsCompleted || !IsCurrent(hub))
            {
                return false;
            }

            try
            {
                await SyncAsync(ct).ConfigureAwait(false);
                return true;
            }
            catch (Exception error) when (Transient.Is(error, ct))
            {
                try
                {
                    await Task.Delay(Backoff.Delay(attempt, (error as ChatApiException)?.RetryAfter), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Refused for good (the session is gone): this connection is of no use; the loop decides what follows.
                await hub.StopAsync(CancellationToken.None).ConfigureAwait(false);
                return false;
            }
        }
    }

    /// <summary>
    /// Pages through <c>GET /api/sync</c> from the resume cursor with live changes held meanwhile, and delivers what
    /// it brings (skipping what was already delivered). One sync at a time; the client runs one after every
    /// <c>ready</c> by itself. 410: <see cref="Resynced"/>, and changes from the server's current cursor on.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken = default)
    {
        await _syncGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                _feed.SyncStarted();
            }

            var changes = 0;
            while (true)
            {
                string? since;
                lock (_gate)
                {
                    since = _feed.Cursor;
                }

                SyncAnswerDto answer;
                try
                {
                    answer = await Api.SyncAsync(since, SyncPage, cancellationToken).ConfigureAwait(false);
                }
                catch (ChatApiException error) when (error.StatusCode == (int)HttpStatusCode.Gone)
                {
                    var fresh = await Api.SyncAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    lock (_gate)
                    {
                        _feed.RestartFrom(fresh.Cursor);
                        _feed.SyncCompleted();
                    }

                    Raise(Resynced, fresh.Cursor);
                    return;
                }

                lock (_gate)
                {
                    _feed.ApplyPage(answer.Changes.Select(c => (c.Type, ToElement(c.Data), c.Cursor)), answer.Cursor);
                }

                changes += answer.Changes.Count;
                if (!answer.HasMore)
                {
                    SyncWhenSettled(answer.SettlesInMs);
                    break;
                }
            }

            string end;
            lock (_gate)
            {
                _feed.SyncCompleted();
                end = _feed.Cursor!;
            }

            Raise(SyncCompleted, new SyncCompletedEventArgs(changes, end));
        }
        finally
        {
            _syncGate.Release();
        }
    }

    /// <summary>
    /// The answer stopped before changes still being written: while this connection lasts, sync again once they
    /// have settled. A connected client usually has them live already; this fetches one whose write was cut off
    /// before it was published (a crashed request that a retry completed, say). Only the latest wait runs.
    /// </summary>
    private void SyncWhenSettled(long? settlesInMs)
    {
        var wait = Interlocked.Increment(ref _settleWaits);
        HubConnection? hub;
        (Task Closed, CancellationToken Token) life;
        lock (_gate)
        {
            hub = _hub;
            life = _hubLife;
        }

        if (settlesInMs is not { } ms || hub is null)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, ms)), life.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (Volatile.Read(ref _settleWaits) == wait && IsCurrent(hub))
            {
                await SyncUntilDoneAsync(hub, life.Closed, life.Token).ConfigureAwait(false);
            }
        });
    }

    private static JsonElement ToElement(object? data) => data switch
    {
        JsonElement element => element,
        null => JsonSerializer.SerializeToElement(new { }),
        _ => JsonSerializer.SerializeToElement(data, Json),
    };

    private static string? StringProperty(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // ---- messages ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Sends a message and returns it as stored. It goes through the outbox under a <c>clientMessageId</c> (the
    /// request's, or a new one): while the client is not connected, or when the send gets no answer, it waits there
    /// and is sent after the next (re)connect; the server stores it once however many times it is sent. Cancelling
    /// takes it out of the outbox if it has not been handed to the server yet.
    /// </summary>
    public Task<MessageDto> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A copy: the caller's request object stays as it was.
        var queued = JsonSerializer.Deserialize<SendMessageRequest>(JsonSerializer.SerializeToElement(request, Json), Json)!;
        queued.ClientMessageId ??= Guid.NewGuid().ToString("N");
        var sent = _outbox.Enqueue(queued, cancellationToken);
        if (ConnectionState == ConnectionState.Connected)
        {
            KickOutbox();
        }

        return sent;
    }

    private async Task<MessageDto> PostAsync(SendMessageRequest request, CancellationToken ct)
    {
        var message = await Api.SendMessageAsync(request, ct).ConfigureAwait(false);
        // The sender's own connection gets no newMessage for it: its answer is the change (once, by cursor).
        lock (_gate)
        {
            _feed.Live("newMessage", JsonSerializer.SerializeToElement(message, Json), ChangeSource.Sent);
        }

        return message;
    }

    /// <summary>Sends what is queued, one pass at a time; while connected, a pass stopped by a transient failure is tried again after a wait.</summary>
    private void KickOutbox()
    {
        lock (_gate)
        {
            if (_flushing)
            {
                _flushAgain = true;
                return;
            }

            _flushing = true;
        }

        _ = Task.Run(async () =>
        {
            for (var attempt = 0; ; attempt++)
            {
                lock (_gate)
                {
                    _flushAgain = false;
                }

                bool drained;
                try
                {
                    drained = await _outbox.FlushAsync(_lifetime.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    drained = false;
                }

                lock (_gate)
                {
                    if ((drained && !_flushAgain) || (!drained && (_state != ConnectionState.Connected || _lifetime.IsCancellationRequested)))
                    {
                        // Emptied, or offline: the next connect sends what is left.
                        _flushing = false;
                        return;
                    }
                }

                if (!drained)
                {
                    try
                    {
                        await Task.Delay(Backoff.Delay(attempt), _lifetime.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        lock (_gate)
                        {
                            _flushing = false;
                        }

                        return;
                    }
                }
            }
        });
    }

    // ---- events --------------------------------------------------------------------------------------------------

    private void Deliver(string type, JsonElement data, string? cursor, ChangeSource source)
    {
        switch (type)
        {
            case "newMessage":
                Raise(NewMessage, Change<MessageDto>(data, cursor, source));
                break;
            case "messageUpdated":
                Raise(MessageUpdated, Change<MessageDto>(data, cursor, source));
                break;
            case "messageDeleted":
                Raise(MessageDeleted, Change<MessageDeletedEvent>(data, cursor, source));
                break;
            case "messagesRead":
                Raise(MessagesRead, Change<MessagesReadEvent>(data, cursor, source));
                break;
            case "reactionsUpdated":
                Raise(ReactionsUpdated, Change<ReactionsUpdatedEvent>(data, cursor, source));
                break;
            case "groupUpdated":
                Raise(GroupUpdated, Change<GroupDto>(data, cursor, source));
                break;
            case "userUpdated":
                Raise(UserUpdated, Change<UserDto>(data, cursor, source));
                break;
        }
    }

    private static ChatChange<T> Change<T>(JsonElement data, string? cursor, ChangeSource source) =>
        new(data.Deserialize<T>(Json)!, cursor, source);

    private void SetState(ConnectionState state)
    {
        lock (_gate)
        {
            if (_state == state)
            {
                return;
            }

            _state = state;
            // Queued under the lock: listeners see the states in the order they were taken.
            Raise(ConnectionStateChanged, state);
        }
    }

    /// <summary>Queues a call of each handler subscribed now, for the dispatcher to make in order.</summary>
    private void Raise<T>(EventHandler<T>? handlers, T args)
    {
        if (handlers is null)
        {
            return;
        }

        _dispatch.Writer.TryWrite(() =>
        {
            foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<T>>())
            {
                try
                {
                    handler(this, args);
                }
                catch (Exception error)
                {
                    try
                    {
                        HandlerFailed?.Invoke(this, error);
                    }
                    catch (Exception)
                    {
                        // A failing error handler has nowhere left to report to.
                    }
                }
            }
        });
    }

    private async Task DispatchAsync()
    {
        await foreach (var call in _dispatch.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            call();
        }
    }

    /// <summary>Disconnects and releases the connections; queued messages are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await DisconnectAsync().ConfigureAwait(false);
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _outbox.Discard();
        _dispatch.Writer.TryComplete();
        _authorized.Dispose();
        _anonymousHttp.Dispose();
        _transport.Dispose();

        _lifetime.Dispose();
    }
}
