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
        var passed = await SettledChanges.ReadAsync(old, Conversation, 0, Settled, 10, default);
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

    private static async Task<long[]> ReadAsync(FakeLog log, long position, int limit = 10) =>
        (await SettledChanges.ReadAsync(log, Conversation, position, Settled, limit, default)).Select(c => c.Seq).ToArray();

    private static ChangeRecord Entry(long seq, long at, bool pending = false) => new(Conversation, seq, at, "newMessage", $"m{seq}", pending);

    private sealed class FakeLog(params ChangeRecord[] entries) : IChangeLog
    {
        private readonly List<ChangeRecord> _entries = [.. entries];
        private readonly HashSet<long> _hidden = [];

        public void Add(ChangeRecord entry) => _entries.Add(entry);

        public void HideFromReads(long seq) => _hidden.Add(seq);

        public Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(string conversationId, long afterAt, int limit, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<ChangeRecord>>(_entries.Where(e => e.At > afterAt && !_hidden.Contains(e.Seq)).OrderBy(e => e.At).Take(limit).ToList());

        public Task<ChangeRecord?> FindAsync(string conversationId, long seq, CancellationToken ct) =>
            Task.FromResult(_entries.FirstOrDefault(e => e.Seq == seq));

        public Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct) => throw new NotSupportedException();

        public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) => throw new NotSupportedException();
    }
}
