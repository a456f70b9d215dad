using Microsoft.AspNetCore.Http.Connections;
using ServerlessChat.Client;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// One user's view of their conversations as an app on the .NET SDK keeps it: built only from the stored-state
/// events of a <see cref="ChatClient"/> (which applies live events and sync answers once per cursor, holds live
/// events while a sync is out, and syncs from its cursor on every ready), so the fault tests check the SDK.
/// </summary>
public sealed class ChatView : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly HashSet<string> _delivered = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly List<(DateTimeOffset At, string Cursor)> _adopted = [];
    private readonly List<DateTimeOffset> _liveArrivals = [];

    private ChatView(ChatClient client, string userId)
    {
        Client = client;
        UserId = userId;
        client.NewMessage += (_, change) => Apply(change.Cursor, change.Source, () => Messages[change.Data.Id] =
            (change.Data.ConversationId, change.Data.SenderId, change.Data.Content, change.Data.Deleted, change.Data.EditedAt));
        client.MessageUpdated += (_, change) => Apply(change.Cursor, change.Source, () => Messages[change.Data.Id] =
            (change.Data.ConversationId, change.Data.SenderId, change.Data.Content, change.Data.Deleted, change.Data.EditedAt));
        client.MessageDeleted += (_, change) => Apply(change.Cursor, change.Source, () =>
        {
            if (Messages.TryGetValue(change.Data.Id, out var message))
            {
                Messages[change.Data.Id] = message with { Content = "", Deleted = true };
            }

            Reactions.Remove(change.Data.Id);
        });
        client.MessagesRead += (_, change) => Apply(change.Cursor, change.Source, () =>
        {
            var key = (change.Data.ConversationId, change.Data.ReaderId);
            if (!Markers.TryGetValue(key, out var known) || string.CompareOrdinal(change.Data.UpTo, known) > 0)
            {
                Markers[key] = change.Data.UpTo;
            }
        });
        client.ReactionsUpdated += (_, change) => Apply(change.Cursor, change.Source, () =>
            Reactions[change.Data.MessageId] = DescribeReactions(change.Data.Reactions.Select(r => (r.Emoji, (IEnumerable<string>)r.UserIds))));
        client.GroupUpdated += (_, change) => Apply(change.Cursor, change.Source, () => GroupMembers[change.Data.Id] = [.. change.Data.Members]);
        client.CursorChanged += (_, moved) => Update(() =>
        {
            if (moved.FromCheckpoint && moved.Cursor is not null)
            {
                _adopted.Add((DateTimeOffset.UtcNow, moved.Cursor));
            }
        });
        client.SyncCompleted += (_, synced) => Update(() =>
        {
            Syncs++;
            LastSyncChanges = synced.Changes;
        });
        client.HandlerFailed += (_, error) => Update(() => HandlerErrors.Add(error.ToString()));
    }

    public ChatClient Client { get; }

    public string UserId { get; }

    /// <summary>Messages by id: content, deleted, editedAt.</summary>
    public Dictionary<string, (string ConversationId, string SenderId, string Content, bool Deleted, DateTimeOffset? EditedAt)> Messages { get; } = [];

    /// <summary>Read markers by (conversationId, readerId).</summary>
    public Dictionary<(string, string), string> Markers { get; } = [];

    public Dictionary<string, string[]> GroupMembers { get; } = [];

    /// <summary>Reactions by message id, as <see cref="DescribeReactions"/> writes them; only reactionsUpdated and messageDeleted change them.</summary>
    public Dictionary<string, string> Reactions { get; } = [];

    /// <summary>Change cursors the SDK delivered more than once (must stay empty).</summary>
    public List<string> DeliveredTwice { get; } = [];

    /// <summary>Exceptions thrown by this view's handlers (must stay empty).</summary>
    public List<string> HandlerErrors { get; } = [];

    /// <summary>Syncs the SDK completed (one after every ready).</summary>
    public int Syncs { get; private set; }

    /// <summary>How many changes the latest completed sync (all its pages) returned, those already applied included.</summary>
    public int LastSyncChanges { get; private set; }

    /// <summary>One text for a message's reactions: each emoji with its users, in the API's order.</summary>
    public static string DescribeReactions(IEnumerable<(string Emoji, IEnumerable<string> UserIds)> reactions) =>
        string.Join(' ', reactions.Select(r => $"{r.Emoji}:{string.Join(',', r.UserIds)}"));

    /// <summary>Signs the user in on a new SDK client at <paramref name="baseUrl"/> and connects it (WebSockets only, no heartbeats).</summary>
    public static async Task<ChatView> ConnectAsync(Uri baseUrl, ChatApiClient user)
    {
        var client = new ChatClient(new ChatClientOptions
        {
            BaseUrl = baseUrl,
            PresenceHeartbeatInterval = TimeSpan.Zero,
            ConfigureConnection = options => options.Transports = HttpTransportType.WebSockets,
        });
        var view = new ChatView(client, user.UserId);
        await client.LoginAsync(new LoginRequest { Username = user.Username, Password = user.Password });
        await view.SyncedAsync();
        return view;
    }

    /// <summary>The checkpoints the SDK took as its cursor, with when (this view's clock).</summary>
    public IReadOnlyList<(DateTimeOffset At, string Cursor)> AdoptedCheckpoints()
    {
        lock (_gate)
        {
            return [.. _adopted];
        }
    }

    /// <summary>When each stored-state change that came live reached the view (this view's clock).</summary>
    public IReadOnlyList<DateTimeOffset> LiveArrivals()
    {
        lock (_gate)
        {
            return [.. _liveArrivals];
        }
    }

    /// <summary>Completes once the client is connected and caught up (the sync after its latest ready applied).</summary>
    public async Task SyncedAsync()
    {
        try
        {
            await Client.ConnectAsync().WaitAsync(RealtimeClient.Timeout * 2);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"User {UserId} never caught up; the SDK's connection is {Client.ConnectionState}.");
        }
    }

    /// <summary>Completes once the message is in the view, however it came.</summary>
    public Task HasMessageAsync(string messageId) => WhenAsync(() => Messages.ContainsKey(messageId));

    /// <summary>Completes once the view has seen more than <paramref name="count"/> completed syncs.</summary>
    public Task SyncedMoreThanAsync(int count) => WhenAsync(() => Syncs > count);

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

    private Task WhenAsync(Func<bool> condition)
    {
        lock (_gate)
        {
            if (condition())
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task.WaitAsync(RealtimeClient.Timeout * 2);
        }
    }

    private void Apply(string? cursor, ChangeSource source, Action change) => Update(() =>
    {
        if (source == ChangeSource.Live)
        {
            _liveArrivals.Add(DateTimeOffset.UtcNow);
        }

        if (cursor is not null && !_delivered.Add(cursor))
        {
            DeliveredTwice.Add(cursor);
        }

        change();
    });

    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
            foreach (var waiter in _waiters.Where(w => w.Condition()).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
