using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Sync;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// Sync reads a conversation only through consecutive, committed entries: on MongoDB numbers commit out of order
/// and an entry is pending while its write runs. Each case is the log as a reader could find it mid-burst.
/// </summary>
public sealed class SettledChangesTests
{
    private const string Conversation = "d:a:b";

    // Stamps are milliseconds; "settled" is 1,000: entries at or before it are older than the settle window.
    private const long Settled = 1_000;

    [Fact]
    public async Task AMissingNumberStopsTheReadUntilItCommits()
    {
        var log = new FakeLog(Entry(1, 2_000), Entry(2, 2_001), Entry(4, 2_003));

        Assert.Equal(new long[] { 1, 2 }, await ReadAsync(log, position: 0));

        log.Add(Entry(3, 2_002));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, await ReadAsync(log, position: 0));
        // From the last delivered entry on, the next one is known to be 3.
        Assert.Equal(new long[] { 3, 4 }, await ReadAsync(log, position: 2_001));
    }

    [Fact]
    public async Task AMissingNumberOlderThanTheSettleWindowIsPassed()
    {
        var log = new FakeLog(Entry(1, 500), Entry(3, 900), Entry(4, 2_000));

        Assert.Equal(new long[] { 1, 3, 4 }, await ReadAsync(log, position: 0));
    }

    [Fact]
    public async Task APendingEntryStopsTheReadUntilItIsCommittedOrSettled()
    {
        var young = new FakeLog(Entry(1, 2_000), Entry(2, 2_001, pending: true), Entry(3, 2_002));
        var old = new FakeLog(Entry(1, 800), Entry(2, 900, pending: true), Entry(3, 2_002));

        Assert.Equal(new long[] { 1 }, await ReadAsync(young, position: 0));
        var (passed, _, _) = await SettledChanges.ReadAsync(old, new Dictionary<string, long> { [Conversation] = 0 }, Settled, 10, default);
        Assert.Equal(new long[] { 1, 2, 3 }, passed.Select(c => c.Seq));
        Assert.All(passed, c => Assert.False(c.Pending));
    }

    [Fact]
    public async Task FromTheWatermarkARecentFirstEntryNeedsItsPredecessorDeliveredAlready()
    {
        // The watermark is no entry's stamp, so the read alone does not say whether number 5 came before 6.
        var missing = new FakeLog(Entry(4, 700), Entry(6, 2_000));
        var delivered = new FakeLog(Entry(4, 700), Entry(5, 900), Entry(6, 2_000));
        var lateCommit = new FakeLog(Entry(4, 700), Entry(5, 950), Entry(6, 2_000));

        Assert.Empty(await ReadAsync(missing, position: 950));
        Assert.Equal(new long[] { 6 }, await ReadAsync(delivered, position: 950));
        // Committed at a stamp past the position but not returned by the read: it came after the read.
        lateCommit.HideFromReads(5);
        Assert.Empty(await ReadAsync(lateCommit, position: 900));
        // An old first entry is settled: whatever came before it has come.
        Assert.Equal(new long[] { 6 }, await ReadAsync(new FakeLog(Entry(6, 990)), position: 950));
    }

    [Fact]
    public async Task TheLimitCountsDeliverableEntriesAfterThePosition()
    {
        var log = new FakeLog(Enumerable.Range(1, 10).Select(i => Entry(i, 2_000 + i)).ToArray());

        Assert.Equal(new long[] { 4, 5, 6 }, await ReadAsync(log, position: 2_003, limit: 3));
    }

    [Fact]
    public async Task ConversationsAreMergedOldestFirstAndPagedByTheLimit()
    {
        var log = new FakeLog(
            Entry(1, 2_000, "a"), Entry(2, 2_002, "a"), Entry(3, 2_004, "a"),
            Entry(1, 2_001, "b"), Entry(2, 2_003, "b"),
            Entry(7, 2_005, "c"));
        log.Add(Entry(6, 900, "c"));
        var positions = new Dictionary<string, long> { ["a"] = 0, ["b"] = 0, ["c"] = 900 };

        var (page, hasMore, _) = await SettledChanges.ReadAsync(log, positions, Settled, 4, default);
        Assert.Equal(["a1", "b1", "a2", "b2"], page.Select(c => c.ConversationId + c.Seq));
        Assert.True(hasMore);
        (page, hasMore, _) = await SettledChanges.ReadAsync(log, positions, Settled, 10, default);
        Assert.Equal(["a1", "b1", "a2", "b2", "a3", "c7"], page.Select(c => c.ConversationId + c.Seq));
        Assert.False(hasMore);
        Assert.Equal(1, log.Finds);
    }

    [Fact]
    public async Task AConversationStoppedInTheSettleWindowDoesNotHoldBackTheOthers()
    {
        // "a" stops at its pending second entry; its young entries fill the first read, so the page is made
        // from a read without it, and "a"'s first entry still comes, in time order.
        var entries = new List<ChangeRecord> { Entry(1, 2_000, "a"), Entry(2, 2_001, "a", pending: true) };
        entries.AddRange(Enumerable.Range(3, 20).Select(i => Entry(i, 2_000 + i, "a")));
        entries.AddRange(Enumerable.Range(1, 5).Select(i => Entry(i, 3_000 + i, "b")));
        var log = new FakeLog([.. entries]);
        var positions = new Dictionary<string, long> { ["a"] = 0, ["b"] = 0 };

        var (page, hasMore, _) = await SettledChanges.ReadAsync(log, positions, Settled, 4, default);
        Assert.Equal(["a1", "b1", "b2", "b3"], page.Select(c => c.ConversationId + c.Seq));
        Assert.True(hasMore);
        (page, hasMore, _) = await SettledChanges.ReadAsync(log, positions, Settled, 10, default);
        Assert.Equal(["a1", "b1", "b2", "b3", "b4", "b5"], page.Select(c => c.ConversationId + c.Seq));
        Assert.False(hasMore);
        // Each page: the read that found "a" stopped, and one without it.
        Assert.Equal(4, log.Reads);
    }

    [Fact]
    public async Task AReadThatStopsInTheSettleWindowSaysTheStampOfTheOldestEntryItStoppedBefore()
    {
        // "a" stops at a pending entry, "b" before a missing number, "c" is whole: the client syncs again once
        // the oldest of the held entries has settled.
        var log = new FakeLog(
            Entry(1, 2_000, "a"), Entry(2, 2_010, "a", pending: true),
            Entry(1, 2_001, "b"), Entry(3, 2_005, "b"),
            Entry(1, 2_002, "c"));
        var positions = new Dictionary<string, long> { ["a"] = 0, ["b"] = 0, ["c"] = 0 };

        var (page, _, heldAt) = await SettledChanges.ReadAsync(log, positions, Settled, 10, default);
        Assert.Equal(["a1", "b1", "c1"], page.Select(c => c.ConversationId + c.Seq));
        Assert.Equal(2_005, heldAt);

        var whole = new FakeLog(Entry(1, 2_000), Entry(2, 2_001));
        Assert.Null((await SettledChanges.ReadAsync(whole, new Dictionary<string, long> { [Conversation] = 0 }, Settled, 10, default)).HeldAt);
        // Settled entries hold nothing back.
        var old = new FakeLog(Entry(1, 800), Entry(2, 900, pending: true), Entry(4, 950));
        Assert.Null((await SettledChanges.ReadAsync(old, new Dictionary<string, long> { [Conversation] = 0 }, Settled, 10, default)).HeldAt);
    }

    private static async Task<long[]> ReadAsync(FakeLog log, long position, int limit = 10) =>
        (await SettledChanges.ReadAsync(log, new Dictionary<string, long> { [Conversation] = position }, Settled, limit, default)).Page.Select(c => c.Seq).ToArray();

    private static ChangeRecord Entry(long seq, long at, string conversation = Conversation, bool pending = false) =>
        new(conversation, seq, at, "newMessage", $"m{seq}", pending);

    private sealed class FakeLog(params ChangeRecord[] entries) : IChangeLog
    {
        private readonly List<ChangeRecord> _entries = [.. entries];
        private readonly HashSet<long> _hidden = [];

        public int Reads { get; private set; }

        public int Finds { get; private set; }

        public void Add(ChangeRecord entry) => _entries.Add(entry);

        public void HideFromReads(long seq) => _hidden.Add(seq);

        public Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(IReadOnlyDictionary<string, long> afterAt, int limit, CancellationToken ct)
        {
            Reads++;
            return Task.FromResult<IReadOnlyList<ChangeRecord>>(_entries
                .Where(e => afterAt.TryGetValue(e.ConversationId, out var after) && e.At > after && !_hidden.Contains(e.Seq))
                .OrderBy(e => e.At).Take(limit).ToList());
        }

        public Task<IReadOnlyList<ChangeRecord>> FindAsync(IReadOnlyCollection<(string ConversationId, long Seq)> keys, CancellationToken ct)
        {
            Finds++;
            return Task.FromResult<IReadOnlyList<ChangeRecord>>(_entries.Where(e => keys.Contains((e.ConversationId, e.Seq))).ToList());
        }

        public Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct) => throw new NotSupportedException();

        public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<ChangeRecord>> ReadAllAfterAsync(long afterAt, int limit, CancellationToken ct) => throw new NotSupportedException();

        public Task<string?> GetConsumerStateAsync(string consumer, CancellationToken ct) => throw new NotSupportedException();

        public Task SaveConsumerStateAsync(string consumer, string state, CancellationToken ct) => throw new NotSupportedException();
    }
}
