using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Storage;

public abstract partial class StorageContractTests
{
    private static ReportRecord NewReport(string reporterId, string? messageId, string userId, DateTimeOffset at) =>
        new(NewId(), messageId is null ? ReportRecord.UserTarget : ReportRecord.MessageTarget, messageId, userId,
            messageId is null ? null : "d:conversation", "{\"content\":\"as it was\"}", "spam", "a note", [reporterId], at);

    [SkippableFact]
    public async Task ConcurrentReportsOfOneTargetMakeOneOpenReportHoldingEveryReporter()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var message = NewId();
        var sender = NewId();
        var reporters = Enumerable.Range(0, 12).Select(_ => NewId()).ToList();

        // A burst: every reporter twice at once.
        var filed = await Task.WhenAll(reporters.Concat(reporters).Select(r => Store.Moderation.FileReportAsync(NewReport(r, message, sender, t), default)));

        Assert.Single(filed.Select(f => f.Report.Id).Distinct());
        Assert.Equal(1, filed.Count(f => f.Created));
        var stored = (await Store.Moderation.FindReportAsync(filed[0].Report.Id, default))!;
        Assert.Equal(reporters.Order(), stored.ReporterIds.Order());
        Assert.True(stored.IsOpen);
        Assert.Equal((ReportRecord.MessageTarget, message, sender, "spam"), (stored.TargetType, stored.MessageId, stored.UserId, stored.Reason));
        Assert.Equal("{\"content\":\"as it was\"}", stored.Snapshot);
    }

    [SkippableFact]
    public async Task OfConcurrentResolvesOneWinsAndALaterReportOpensANewOne()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var user = NewId();
        var (report, _) = await Store.Moderation.FileReportAsync(NewReport(NewId(), null, user, t), default);

        var resolves = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Store.Moderation.ResolveReportAsync(report.Id, new ReportResolution("dismiss", $"note {i}", NewId(), t.AddSeconds(1)), default)));

        var winner = Assert.Single(resolves, r => r is not null)!;
        Assert.False(winner.IsOpen);
        var found = (await Store.Moderation.FindReportAsync(report.Id, default))!;
        Assert.Equal(winner.ReporterIds, found.ReporterIds);
        Assert.Equal(winner with { ReporterIds = Array.Empty<string>() }, found with { ReporterIds = Array.Empty<string>() });
        var (again, created) = await Store.Moderation.FileReportAsync(NewReport(NewId(), null, user, t.AddSeconds(2)), default);
        Assert.True(created);
        Assert.NotEqual(report.Id, again.Id);
        var open = await Store.Moderation.ListReportsAsync(open: true, null, 1000, default);
        Assert.Contains(open, r => r.Id == again.Id);
        Assert.DoesNotContain(open, r => r.Id == report.Id);
        var resolved = await Store.Moderation.ListReportsAsync(open: false, null, 1000, default);
        Assert.Contains(resolved, r => r.Id == report.Id);
    }

    [SkippableFact]
    public async Task ReportsAndAuditEntriesPageNewestFirst()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var filed = new List<string>();
        var audit = new List<AuditRecord>();
        for (var i = 0; i < 3; i++)
        {
            filed.Add((await Store.Moderation.FileReportAsync(NewReport(NewId(), NewId(), NewId(), t), default)).Report.Id);
            var entry = new AuditRecord(NewId(), NewId(), "dismiss", "report", filed[^1], i == 0 ? null : "why", t.AddSeconds(i));
            audit.Add(entry);
            await Store.Moderation.AppendAuditAsync(entry, default);
        }

        var page = await Store.Moderation.ListReportsAsync(open: true, filed[2], 2, default);
        Assert.Equal([filed[1], filed[0]], page.Take(2).Select(r => r.Id));
        var entries = await Store.Moderation.ListAuditAsync(audit[2].Id, 2, default);
        Assert.Equal([audit[1], audit[0]], entries);
    }

    [SkippableFact]
    public async Task SuspensionsAndRolesAreStoredReplacedAndCleared()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var (forEver, untilLater, ended) = (NewId(), NewId(), NewId());
        var actor = NewId();
        await Store.Moderation.SetSuspensionAsync(new SuspensionRecord(forEver, null, "spam", actor, t), default);
        await Store.Moderation.SetSuspensionAsync(new SuspensionRecord(untilLater, t.AddDays(1), "abuse", actor, t), default);
        await Store.Moderation.SetSuspensionAsync(new SuspensionRecord(ended, t.AddDays(1), "abuse", actor, t), default);
        await Store.Moderation.SetSuspensionAsync(new SuspensionRecord(ended, t.AddSeconds(-1), "over", actor, t), default);

        Assert.Equal(new SuspensionRecord(untilLater, t.AddDays(1), "abuse", actor, t), await Store.Moderation.FindSuspensionAsync(untilLater, default));
        var live = (await Store.Moderation.ListSuspensionsAsync(t, 10_000, default)).Select(s => s.UserId).ToHashSet();
        Assert.Contains(forEver, live);
        Assert.Contains(untilLater, live);
        Assert.DoesNotContain(ended, live);
        Assert.True(await Store.Moderation.ClearSuspensionAsync(forEver, default));
        Assert.False(await Store.Moderation.ClearSuspensionAsync(forEver, default));
        Assert.Null(await Store.Moderation.FindSuspensionAsync(forEver, default));

        var user = NewId();
        Assert.Null(await Store.Moderation.FindRoleAsync(user, default));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.Moderation.SetRoleAsync(user, "moderator", default)));
        Assert.Equal("moderator", await Store.Moderation.FindRoleAsync(user, default));
        await Store.Moderation.SetRoleAsync(user, "user", default);
        Assert.Equal("user", await Store.Moderation.FindRoleAsync(user, default));
    }

    [SkippableFact]
    public async Task AMessageRemovedByModerationSaysSoAndABurstOfRemovalsLeavesItSo()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var removed = DirectMessage(alice, bob, "bad");
        var ownDelete = DirectMessage(alice, bob, "oops");
        await Store.Messages.InsertAsync(removed, default);
        await Store.Messages.InsertAsync(ownDelete, default);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Store.Messages.MarkDeletedAsync(removed.Id, Now(), default, deletedBy: "moderation")));
        await Store.Messages.MarkDeletedAsync(ownDelete.Id, Now(), default);

        Assert.All(results, r => Assert.Equal("moderation", r!.Value.DeletedBy));
        var stored = (await Store.Messages.FindByIdAsync(removed.Id, default))!;
        Assert.True(stored.Deleted);
        Assert.Equal(("", "moderation"), (stored.Content, stored.DeletedBy));
        Assert.Null((await Store.Messages.FindByIdAsync(ownDelete.Id, default))!.DeletedBy);
    }
}
