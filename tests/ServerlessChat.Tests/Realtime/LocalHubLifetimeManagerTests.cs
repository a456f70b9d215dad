using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessChat.Standalone.Realtime;

namespace ServerlessChat.Tests.Realtime;

/// <summary>
/// The standalone host's lifetime manager on its own, over SignalR's own connection contexts writing into
/// in-memory pipes, so that the order of every write can be seen (the hub-level order is in
/// <see cref="RealtimeEventsTests"/>).
/// </summary>
public sealed class LocalHubLifetimeManagerTests
{
    private const string Group = "conversation:test";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly LocalHubLifetimeManager _manager = new(NullLogger<DefaultHubLifetimeManager<RealtimeHub>>.Instance, NullLogger<LocalHubLifetimeManager>.Instance);
    private readonly ConcurrentQueue<(string Connection, string Target)> _writes = new();

    [Fact]
    public async Task MessagesQueuedDuringAGroupSendReachEachMemberBackToBackAndInOrder()
    {
        var members = new List<RecordingConnection>();
        for (var i = 0; i < 3; i++)
        {
            members.Add(await JoinAsync($"c{i}"));
        }

        // The first send's pass stops inside its first write, so the next three queue behind it.
        using var release = new ManualResetEventSlim();
        var held = members[0].HoldNextWrite(release);
        var first = Task.Run(() => _manager.SendGroupAsync(Group, "m0", ["x"]));
        await held.WaitAsync(Timeout);
        var queued = Enumerable.Range(1, 3).Select(i => _manager.SendGroupAsync(Group, $"m{i}", ["x"])).ToList();
        Assert.All(queued, send => Assert.False(send.IsCompleted));
        release.Set();
        await Task.WhenAll([first, .. queued]).WaitAsync(Timeout);

        string[] Pass(string message) => [.. members.Select(m => $"{m.ConnectionId} {message}")];
        string[] Batch(params string[] messages) => [.. members.SelectMany(m => messages.Select(message => $"{m.ConnectionId} {message}"))];
        Assert.Equal([.. Pass("m0"), .. Batch("m1", "m2", "m3")], _writes.Select(w => $"{w.Connection} {w.Target}"));
        foreach (var member in members)
        {
            Assert.Equal(["m0", "m1", "m2", "m3"], await member.ReadTargetsAsync(4));
        }
    }

    [Fact]
    public async Task AConnectionThatLeftOrDisconnectedGetsNoMoreAndAnEmptiedGroupCanBeJoinedAgain()
    {
        var stays = await JoinAsync("stays");
        var leaves = await JoinAsync("leaves");
        var drops = await JoinAsync("drops");
        await _manager.RemoveFromGroupAsync(leaves.ConnectionId, Group);
        await _manager.OnDisconnectedAsync(drops);
        await _manager.SendGroupAsync(Group, "after", ["x"]);
        Assert.Equal([("stays", "after")], _writes);

        await _manager.OnDisconnectedAsync(stays);
        await _manager.SendGroupAsync(Group, "nobody", ["x"]);
        Assert.Single(_writes);

        await _manager.AddToGroupAsync(leaves.ConnectionId, Group);
        await _manager.SendGroupAsync(Group, "again", ["x"]);
        Assert.Equal([("stays", "after"), ("leaves", "again")], _writes);
        Assert.Equal(["again"], await leaves.ReadTargetsAsync(1));
    }

    private async Task<RecordingConnection> JoinAsync(string id)
    {
        var connection = new RecordingConnection(id, _writes);
        await _manager.OnConnectedAsync(connection);
        await _manager.AddToGroupAsync(id, Group);
        return connection;
    }

    /// <summary>A real SignalR connection context over in-memory pipes that notes each write before making it.</summary>
    private sealed class RecordingConnection : HubConnectionContext
    {
        private readonly ConcurrentQueue<(string, string)> _writes;
        private readonly PipeReader _sent;
        private (ManualResetEventSlim Release, TaskCompletionSource Held)? _hold;

        public RecordingConnection(string id, ConcurrentQueue<(string, string)> writes)
            : this(id, writes, new Pipe(), new Pipe())
        {
        }

        private RecordingConnection(string id, ConcurrentQueue<(string, string)> writes, Pipe toClient, Pipe toServer)
            : base(new DefaultConnectionContext(id, new Duplex(toServer.Reader, toClient.Writer), new Duplex(toClient.Reader, toServer.Writer)),
                new HubConnectionContextOptions(), NullLoggerFactory.Instance)
        {
            _writes = writes;
            _sent = toClient.Reader;
            Protocol = new JsonHubProtocol();
        }

        /// <summary>Makes the next write wait for <paramref name="release"/>; the task completes when it has begun.</summary>
        public Task HoldNextWrite(ManualResetEventSlim release)
        {
            var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _hold = (release, held);
            return held.Task;
        }

        public override ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
        {
            _writes.Enqueue((ConnectionId, ((InvocationMessage)message.Message!).Target));
            if (_hold is { } hold)
            {
                _hold = null;
                hold.Held.SetResult();
                hold.Release.Wait(Timeout);
            }

            return base.WriteAsync(message, cancellationToken);
        }

        /// <summary>The targets of the first <paramref name="count"/> JSON protocol records written to the client.</summary>
        public async Task<string[]> ReadTargetsAsync(int count)
        {
            var text = new StringBuilder();
            while (text.ToString().Count(c => c == '\u001e') < count)
            {
                var read = await _sent.ReadAsync().AsTask().WaitAsync(Timeout);
                foreach (var segment in read.Buffer)
                {
                    text.Append(Encoding.UTF8.GetString(segment.Span));
                }

                _sent.AdvanceTo(read.Buffer.End);
            }

            return [.. text.ToString().Split('\u001e', StringSplitOptions.RemoveEmptyEntries)
                .Select(record => JsonDocument.Parse(record).RootElement.GetProperty("target").GetString()!)];
        }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
