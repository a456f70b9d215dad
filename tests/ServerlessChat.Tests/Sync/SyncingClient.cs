using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// A client that keeps its view as API.md tells clients to: it applies every live event and every sync answer
/// through one place, once per change cursor, and syncs from the cursor of the last sync answer it applied
/// whenever <c>ready</c> arrives (first connect and every reconnect); live events that arrive while a sync is
/// out are applied after its answer (README, "sync"). A <c>checkpoint</c> that arrives once the sync that followed
/// the latest <c>ready</c> has been applied, with no sync out, becomes the cursor it syncs from next.
/// </summary>
public sealed class SyncingClient : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly HashSet<string> _applied = [];
    private readonly HashSet<string> _fromSync = [];
    private readonly SemaphoreSlim _syncing = new(1, 1);
    private readonly Func<HttpClient> _http;
    private readonly string _accessToken;
    private TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, TaskCompletionSource> _awaited = [];
    private readonly List<(string Type, JsonElement Data)> _held = [];
    private bool _syncInFlight;
    private bool _readySynced;
    private int _readies;
    private int _changesThisSync;
    private bool _cursorFromCheckpoint;
    private string _cursor;

    private SyncingClient(HubConnection connection, string userId, string accessToken, Func<HttpClient> http, string cursor)
    {
        Connection = connection;
        UserId = userId;
        _accessToken = accessToken;
        _http = http;
        _cursor = cursor;
        foreach (var name in new[] { ChatHub.NewMessage, ChatHub.MessageUpdated, ChatHub.MessageDeleted, ChatHub.MessagesRead, ChatHub.GroupUpdated, ChatHub.ReactionsUpdated })
        {
            connection.On<JsonElement>(name, payload => OnLive(name, payload));
        }

        connection.On<JsonElement>(ChatHub.Ready, ready =>
        {
            lock (_gate)
            {
                _readySynced = false;
                _readies++;
            }

            _ = SyncAsync();
        });
        connection.On<JsonElement>(ChatHub.Checkpoint, OnCheckpoint);
        connection.Reconnecting += _ => Disconnected();
        connection.Closed += _ => Disconnected();
    }

    private readonly List<(DateTimeOffset At, string Cursor)> _adopted = [];
    private readonly List<DateTimeOffset> _liveArrivals = [];

    /// <summary>The checkpoints this client took as its cursor, with when (its clock).</summary>
    public IReadOnlyList<(DateTimeOffset At, string Cursor)> AdoptedCheckpoints()
    {
        lock (_gate)
        {
            return [.. _adopted];
        }
    }

    /// <summary>When each stored-state event came live (this client's clock).</summary>
    public IReadOnlyList<DateTimeOffset> LiveArrivals()
    {
        lock (_gate)
        {
            return [.. _liveArrivals];
        }
    }

    /// <summary>Checkpoints that came while the client was not in step (before its sync on ready, or with a sync out).</summary>
    public int SkippedCheckpoints { get; private set; }

    /// <summary>How many changes the latest completed sync (all its pages) returned.</summary>
    public int LastSyncChanges { get; private set; }

    private Task Disconnected()
    {
        lock (_gate)
        {
            // A sync still out was for the connection that is gone: it does not put this client in step.
            _readySynced = false;
            _readies++;
            if (_synced.Task.IsCompleted)
            {
                _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        return Task.CompletedTask;
    }

    private void OnCheckpoint(JsonElement checkpoint)
    {
        lock (_gate)
        {
            if (!_readySynced || _syncInFlight)
            {
                SkippedCheckpoints++;
                return;
            }

            _cursor = checkpoint.Str("cursor")!;
            _cursorFromCheckpoint = true;
            _adopted.Add((DateTimeOffset.UtcNow, _cursor));
        }
    }

    public HubConnection Connection { get; }

    public string UserId { get; }

    /// <summary>Messages by id: content, deleted, editedAt.</summary>
    public Dictionary<string, (string ConversationId, string SenderId, string Content, bool Deleted, string? EditedAt)> Messages { get; } = [];

    /// <summary>Read markers by (conversationId, readerId).</summary>
    public Dictionary<(string, string), string> Markers { get; } = [];

    public Dictionary<string, string[]> GroupMembers { get; } = [];

    /// <summary>Reactions by message id, as <see cref="DescribeReactions"/> writes them; only reactionsUpdated and messageDeleted change them.</summary>
    public Dictionary<string, string> Reactions { get; } = [];

    /// <summary>One text for a message's reactions: each emoji with its users, in the API's order.</summary>
    public static string DescribeReactions(IEnumerable<(string Emoji, IEnumerable<string> UserIds)> reactions) =>
        string.Join(' ', reactions.Select(r => $"{r.Emoji}:{string.Join(',', r.UserIds)}"));

    /// <summary>Change cursors that came in sync answers more than once, other than again after a checkpoint (must stay empty).</summary>
    public List<string> SyncedTwice { get; } = [];

    public int SyncRequests { get; private set; }

    /// <summary>Sync requests that got no answer or not a 200 (the status), each tried again while connected.</summary>
    public List<string> FailedSyncs { get; } = [];

    public static async Task<SyncingClient> ConnectAsync(Uri hubBase, ChatApiClient user, Func<HttpClient> http)
    {
        // Before anything happens: the cursor to start from (a client that loaded its conversations would take it then).
        var start = await ChatApiClient.ReadAsync(await Get(http(), user.AccessToken, "api/sync"), HttpStatusCode.OK);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(hubBase, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(user.AccessToken);
                options.Transports = HttpTransportType.WebSockets;
            })
            .WithAutomaticReconnect(new QuickRetry())
            .Build();
        var client = new SyncingClient(connection, user.UserId, user.AccessToken, http, (string)start["cursor"]!);
        await connection.StartAsync().WaitAsync(RealtimeClient.Timeout);
        await client.SyncedAsync();
        return client;
    }

    /// <summary>Completes once the sync started by the latest <c>ready</c> has been applied.</summary>
    public async Task SyncedAsync()
    {
        Task synced;
        lock (_gate)
        {
            synced = _synced.Task;
        }

        try
        {
            await synced.WaitAsync(RealtimeClient.Timeout * 2);
        }
        catch (TimeoutException)
        {
            string failed;
            lock (_gate)
            {
                failed = string.Join(", ", FailedSyncs);
            }

            throw new TimeoutException($"User {UserId} never finished a sync; connection {Connection.State}, failed sync requests: {failed}.");
        }
    }

    /// <summary>Completes once the message is in the view, however it came.</summary>
    public Task HasMessageAsync(string messageId)
    {
        lock (_gate)
        {
            if (Messages.ContainsKey(messageId))
            {
                return Task.CompletedTask;
            }

            var found = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaited[messageId] = found;
            return found.Task.WaitAsync(RealtimeClient.Timeout * 2);
        }
    }

    public bool IsRead(string messageId)
    {
        lock (_gate)
        {
            var message = Messages[messageId];
            var readers = message.ConversationId.StartsWith("g:", StringComparison.Ordinal)
                ? GroupMembers[message.ConversationId[2..]]
                : message.ConversationId.Split(':')[1..];
            var others = readers.Where(r => r != message.SenderId).ToList();
            return others.Count > 0 && others.All(r => Markers.TryGetValue((message.ConversationId, r), out var upTo) && string.CompareOrdinal(upTo, messageId) >= 0);
        }
    }

    /// <summary>
    /// A live event that arrives while a sync is out waits for its answer: the answer may have been read before the
    /// event's change and would otherwise overwrite it with the older state under a cursor not yet applied.
    /// Applied after the answer, an event the answer covered is skipped by its cursor, and one it did not is newer.
    /// </summary>
    private void OnLive(string type, JsonElement data)
    {
        lock (_gate)
        {
            _liveArrivals.Add(DateTimeOffset.UtcNow);
            if (_syncInFlight)
            {
                _held.Add((type, data));
                return;
            }

            Apply(type, data);
        }
    }

    private async Task SyncAsync()
    {
        await _syncing.WaitAsync();
        int readies;
        lock (_gate)
        {
            _syncInFlight = true;
            _changesThisSync = 0;
            readies = _readies;
            // A sync from a checkpoint may bring again what an earlier sync brought within the checkpoint's settle
            // window (API.md); within this sync, and after it, a change still comes once.
            if (_cursorFromCheckpoint)
            {
                _fromSync.Clear();
            }

        }

        try
        {
            while (true)
            {
                string since;
                lock (_gate)
                {
                    since = _cursor;
                }

                HttpResponseMessage? response;
                try
                {
                    response = await Get(_http(), _accessToken, $"api/sync?since={Uri.EscapeDataString(since)}&limit=50");
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
                {
                    // No answer: the host went down, or stopped answering while it shut down (the client's timeout).
                    response = null;
                }

                if (response?.StatusCode != HttpStatusCode.OK)
                {
                    // A sync that failed (the host going down for a restart, or not yet answering after it) is tried
                    // again while this connection is up: no other ready may come. One that went down syncs on its
                    // next ready.
                    lock (_gate)
                    {
                        FailedSyncs.Add(response is null ? "no answer" : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    response?.Dispose();
                    await Task.Delay(TimeSpan.FromMilliseconds(100));
                    if (Connection.State != HubConnectionState.Connected)
                    {
                        return;
                    }

                    continue;
                }

                SyncRequests++;
                var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                lock (_gate)
                {
                    foreach (var change in answer.GetProperty("changes").EnumerateArray())
                    {
                        _changesThisSync++;
                        if (!_fromSync.Add(change.GetProperty("cursor").GetString()!))
                        {
                            SyncedTwice.Add(change.GetProperty("cursor").GetString()!);
                        }

                        Apply(change.GetProperty("type").GetString()!, change.GetProperty("data"));
                    }

                    _cursor = answer.GetProperty("cursor").GetString()!;
                    _cursorFromCheckpoint = false;
                }

                if (!answer.GetProperty("hasMore").GetBoolean())
                {
                    break;
                }
            }

            lock (_gate)
            {
                LastSyncChanges = _changesThisSync;
                // In step only if no newer ready came meanwhile (its sync is still to run).
                _readySynced = readies == _readies;
                _synced.TrySetResult();
            }
        }
        finally
        {
            lock (_gate)
            {
                _syncInFlight = false;
                foreach (var (type, data) in _held)
                {
                    Apply(type, data);
                }

                _held.Clear();
            }

            _syncing.Release();
        }
    }

    private void Apply(string type, JsonElement data)
    {
        lock (_gate)
        {
            var cursor = data.Str("cursor");
            if (cursor is null || !_applied.Add(cursor))
            {
                return;
            }

            switch (type)
            {
                case ChatHub.NewMessage or ChatHub.MessageUpdated:
                    Messages[data.Str("id")!] = (data.Str("conversationId")!, data.Str("senderId")!, data.Str("content")!, data.Bool("deleted"), data.Str("editedAt"));
                    if (_awaited.Remove(data.Str("id")!, out var waiter))
                    {
                        waiter.TrySetResult();
                    }
                    break;
                case ChatHub.MessageDeleted:
                    if (Messages.TryGetValue(data.Str("id")!, out var m))
                    {
                        Messages[data.Str("id")!] = m with { Content = "", Deleted = true };
                    }

                    Reactions.Remove(data.Str("id")!);

                    break;
                case ChatHub.MessagesRead:
                    var key = (data.Str("conversationId")!, data.Str("readerId")!);
                    var upTo = data.Str("upTo")!;
                    if (!Markers.TryGetValue(key, out var known) || string.CompareOrdinal(upTo, known) > 0)
                    {
                        Markers[key] = upTo;
                    }

                    break;
                case ChatHub.ReactionsUpdated:
                    Reactions[data.Str("messageId")!] = DescribeReactions(data.GetProperty("reactions").EnumerateArray()
                        .Select(r => (r.Str("emoji")!, r.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()!))));
                    break;
                case ChatHub.GroupUpdated:
                    GroupMembers[data.Str("id")!] = data.GetProperty("members").EnumerateArray().Select(e => e.GetString()!).ToArray();
                    break;
            }
        }
    }

    private static async Task<HttpResponseMessage> Get(HttpClient http, string accessToken, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", accessToken);
        return await http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        _syncing.Dispose();
    }

    private sealed class QuickRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (retryContext.PreviousRetryCount + 1)));
    }
}
