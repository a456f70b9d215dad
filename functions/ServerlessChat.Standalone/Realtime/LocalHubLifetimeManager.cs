using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ServerlessChat.Standalone.Realtime;

/// <summary>
/// SignalR's own lifetime manager for a host without a backplane, with group sends that reach every member in one
/// order and in batches.
/// </summary>
/// <remarks>
/// A message to a 256-member group is 255 writes, and each write wakes that member's send loop for one socket send:
/// on a busy 2-core box those sends, in the kernel, are most of what a fan-out costs. Messages that reach a group
/// while a send to it is under way wait in the group's queue, and the next pass writes all of them to each member
/// back to back, so the member's send loop finds them together and sends them in one go (one WebSocket frame, one
/// event per message as before). A pass holds nothing but the group's queue; a member's writes happen in the order
/// of the passes, so every member sees a group's messages in the same order. Only <see cref="SendGroupAsync"/> works
/// this way; the other sends are SignalR's own.
/// </remarks>
public sealed partial class LocalHubLifetimeManager(
    ILogger<DefaultHubLifetimeManager<RealtimeHub>> signalRLogger, ILogger<LocalHubLifetimeManager> logger)
    : DefaultHubLifetimeManager<RealtimeHub>(signalRLogger)
{
    // About one 4 KB pipe segment of events for each member a pass: a member's send loop sends each segment as a
    // frame of its own.
    private const int MaxBatch = 8;

    // Passes one sender's request runs before it hands the rest of the queue to the thread pool and answers.
    private const int MaxPassesPerSender = 4;

    private readonly ConcurrentDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Group> _groups = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        _members[connection.ConnectionId] = new Member(connection);
        await base.OnConnectedAsync(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (_members.TryRemove(connection.ConnectionId, out var member))
        {
            string[] groups;
            lock (member)
            {
                member.Gone = true;
                groups = [.. member.Groups];
                member.Groups.Clear();
            }

            foreach (var name in groups)
            {
                Leave(name, connection);
            }
        }

        await base.OnDisconnectedAsync(connection);
    }

    public override async Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_members.TryGetValue(connectionId, out var member))
        {
            lock (member)
            {
                if (!member.Gone && member.Groups.Add(groupName))
                {
                    Join(groupName, member.Connection);
                }
            }
        }

        await base.AddToGroupAsync(connectionId, groupName, cancellationToken);
    }

    public override async Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        if (_members.TryGetValue(connectionId, out var member))
        {
            lock (member)
            {
                if (member.Groups.Remove(groupName))
                {
                    Leave(groupName, member.Connection);
                }
            }
        }

        await base.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);
    }

    /// <summary>
    /// Sends to every connection in the group after every message sent to the group before it, and completes once
    /// every member has taken it (a member behind by more than its buffer is waited for, as SignalR's own group
    /// send does). The cancellation token is not used: a message that is queued goes out.
    /// </summary>
    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        if (!_groups.TryGetValue(groupName, out var group))
        {
            return Task.CompletedTask;
        }

        var pending = new Pending(new SerializedHubMessage(new InvocationMessage(methodName, args)));
        lock (group)
        {
            group.Queue.Enqueue(pending);
            if (group.Draining)
            {
                return pending.Written.Task;
            }

            group.Draining = true;
        }

        Drain(group);
        return pending.Written.Task;
    }

    private void Drain(Group group)
    {
        var batch = new List<Pending>(MaxBatch);
        for (var pass = 0; ; pass++)
        {
            HubConnectionContext[] members;
            lock (group)
            {
                if (group.Queue.Count == 0)
                {
                    group.Draining = false;
                    if (group.Members.Length == 0)
                    {
                        Remove(group);
                    }

                    return;
                }

                if (pass == MaxPassesPerSender)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(Drain, group, preferLocal: true);
                    return;
                }

                while (batch.Count < MaxBatch && group.Queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                members = group.Members;
            }

            var waits = new List<Task>?[batch.Count];
            foreach (var member in members)
            {
                Write(member, batch, waits);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(waits[i]);
            }

            batch.Clear();
        }
    }

    private void Write(HubConnectionContext member, List<Pending> batch, List<Task>?[] waits)
    {
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var write = member.WriteAsync(batch[i].Message);
                if (!write.IsCompletedSuccessfully)
                {
                    (waits[i] ??= []).Add(write.AsTask());
                }
            }
        }
        catch (Exception error)
        {
            // SignalR's write logs and aborts a connection it cannot write to rather than throw; should it throw, the
            // member is cut off, not the group.
            LogWriteFailed(logger, error, member.ConnectionId);
            member.Abort();
        }
    }

    [LoggerMessage(LogLevel.Warning, "A group send could not be written to connection {ConnectionId}; aborting it")]
    private static partial void LogWriteFailed(ILogger logger, Exception error, string connectionId);

    private void Join(string name, HubConnectionContext connection)
    {
        while (true)
        {
            var group = _groups.GetOrAdd(name, static name => new Group(name));
            lock (group)
            {
                if (group.Removed)
                {
                    continue;
                }

                group.Members = [.. group.Members, connection];
                return;
            }
        }
    }

    private void Leave(string name, HubConnectionContext connection)
    {
        if (!_groups.TryGetValue(name, out var group))
        {
            return;
        }

        lock (group)
        {
            group.Members = [.. group.Members.Where(m => !ReferenceEquals(m, connection))];
            if (group.Members.Length == 0 && !group.Draining)
            {
                Remove(group);
            }
        }
    }

    // Under the group's lock; a member joining afterwards makes a new group.
    private void Remove(Group group)
    {
        group.Removed = true;
        _groups.TryRemove(new KeyValuePair<string, Group>(group.Name, group));
    }

    private sealed class Member(HubConnectionContext connection)
    {
        public HubConnectionContext Connection { get; } = connection;

        // Under the member's lock.
        public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

        public bool Gone { get; set; }
    }

    private sealed class Group(string name)
    {
        public string Name { get; } = name;

        // Replaced, never changed, under the group's lock: a pass writes to the members as they were when it began.
        public HubConnectionContext[] Members { get; set; } = [];

        public Queue<Pending> Queue { get; } = new();

        public bool Draining { get; set; }

        public bool Removed { get; set; }
    }

    private sealed class Pending(SerializedHubMessage message)
    {
        public SerializedHubMessage Message { get; } = message;

        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(List<Task>? waits)
        {
            if (waits is null)
            {
                Written.TrySetResult();
            }
            else
            {
                _ = CompleteAfterAsync(waits);
            }
        }

        private async Task CompleteAfterAsync(List<Task> waits)
        {
            try
            {
                await Task.WhenAll(waits);
                Written.TrySetResult();
            }
            catch (Exception error)
            {
                Written.TrySetException(error);
            }
        }
    }
}
