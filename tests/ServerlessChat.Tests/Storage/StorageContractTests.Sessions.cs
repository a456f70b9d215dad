using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Storage;

public abstract partial class StorageContractTests
{
    private static SessionRecord NewSession(string userId, DateTimeOffset at, string? userAgent = "agent") =>
        new(NewId(), userId, Unique("hash"), at, at, at + Hour, userAgent, null);

    [SkippableFact]
    public async Task ASessionIsFoundAsCreatedAndRotatesFromItsCurrentTokenOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var session = NewSession(NewId(), t);
        await Store.Sessions.CreateAsync(session, default);
        Assert.Equal(session, await Store.Sessions.FindAsync(session.Id, default));

        var next = Unique("hash");
        Assert.False(await Store.Sessions.TryRotateAsync(session.Id, Unique("other"), next, t.AddSeconds(1), t + Hour, null, default));
        Assert.True(await Store.Sessions.TryRotateAsync(session.Id, session.CurrentTokenHash, next, t.AddSeconds(1), t.AddHours(2), "agent 2", default));
        Assert.Equal(
            session with { CurrentTokenHash = next, LastUsedAt = t.AddSeconds(1), ExpiresAt = t.AddHours(2), UserAgent = "agent 2" },
            await Store.Sessions.FindAsync(session.Id, default));
        // The token it replaced no longer rotates, and a missing user agent keeps the one stored.
        Assert.False(await Store.Sessions.TryRotateAsync(session.Id, session.CurrentTokenHash, Unique("hash"), t.AddSeconds(2), t + Hour, null, default));
        Assert.True(await Store.Sessions.TryRotateAsync(session.Id, next, Unique("hash"), t.AddSeconds(2), t + Hour, null, default));
        Assert.Equal("agent 2", (await Store.Sessions.FindAsync(session.Id, default))!.UserAgent);
        Assert.Null(await Store.Sessions.FindAsync(NewId(), default));
        Assert.Null(await Store.Sessions.FindAsync("not-an-id", default));
    }

    [SkippableFact]
    public async Task OfManyConcurrentRotationsOfOneTokenExactlyOneWinsAndAnEndedSessionNeverRotates()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var sessions = Enumerable.Range(0, 20).Select(_ => NewSession(NewId(), t)).ToList();
        await Task.WhenAll(sessions.Select(s => Store.Sessions.CreateAsync(s, default)));

        // A burst: ten trades of the same token in each of twenty sessions at once.
        var results = await Task.WhenAll(sessions.SelectMany(s => Enumerable.Range(0, 10).Select(async _ =>
            (s.Id, Won: await Store.Sessions.TryRotateAsync(s.Id, s.CurrentTokenHash, Unique("hash"), t.AddSeconds(1), t + Hour, null, default)))));
        foreach (var session in sessions)
        {
            Assert.Equal(1, results.Count(r => r.Id == session.Id && r.Won));
        }

        var ended = sessions[0];
        var current = (await Store.Sessions.FindAsync(ended.Id, default))!.CurrentTokenHash;
        Assert.True(await Store.Sessions.EndAsync(ended.Id, t.AddSeconds(2), default));
        Assert.False(await Store.Sessions.EndAsync(ended.Id, t.AddSeconds(3), default));
        Assert.False(await Store.Sessions.TryRotateAsync(ended.Id, current, Unique("hash"), t.AddSeconds(3), t + Hour, null, default));
        Assert.Equal(t.AddSeconds(2), (await Store.Sessions.FindAsync(ended.Id, default))!.EndedAt);
    }

    [SkippableFact]
    public async Task EndingAllOfAUsersSessionsButOneEndsExactlyTheLiveOthersAndListsThemAsEnded()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var user = NewId();
        var keep = NewSession(user, t);
        var others = Enumerable.Range(1, 3).Select(i => NewSession(user, t.AddSeconds(i))).ToList();
        var endedBefore = NewSession(user, t) with { EndedAt = t };
        var stranger = NewSession(NewId(), t);
        foreach (var session in (SessionRecord[])[keep, .. others, endedBefore, stranger])
        {
            await Store.Sessions.CreateAsync(session, default);
        }

        var ended = await Store.Sessions.EndAllAsync(user, keep.Id, t.AddMinutes(1), default);

        Assert.Equal(others.Select(s => s.Id).Order(), ended.Order());
        Assert.Equal([keep.Id], (await Store.Sessions.ListLiveAsync(user, t, 10, default)).Select(s => s.Id));
        Assert.Null((await Store.Sessions.FindAsync(stranger.Id, default))!.EndedAt);
        var since = await Store.Sessions.ListEndedSinceAsync(t.AddMinutes(1), 1000, default);
        Assert.Superset(others.Select(s => s.Id).ToHashSet(), since.Select(e => e.Id).ToHashSet());
        Assert.DoesNotContain(since, e => e.Id == endedBefore.Id);
        Assert.All(since.Where(e => others.Any(o => o.Id == e.Id)), e => Assert.Equal((user, t.AddMinutes(1)), (e.UserId, e.EndedAt)));
        Assert.Empty(await Store.Sessions.EndAllAsync(user, keep.Id, t.AddMinutes(2), default));
        Assert.Equal([keep.Id], await Store.Sessions.EndAllAsync(user, null, t.AddMinutes(2), default));
    }

    [SkippableFact]
    public async Task LiveSessionsAreListedMostRecentlyUsedFirstWithoutExpiredOnes()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var user = NewId();
        var old = NewSession(user, t.AddMinutes(-5));
        var recent = NewSession(user, t.AddMinutes(-1), userAgent: null);
        var expired = NewSession(user, t.AddHours(-3));
        foreach (var session in (SessionRecord[])[old, recent, expired])
        {
            await Store.Sessions.CreateAsync(session, default);
        }

        Assert.Equal([recent, old], await Store.Sessions.ListLiveAsync(user, t, 10, default));
        Assert.True(await Store.Sessions.TryRotateAsync(old.Id, old.CurrentTokenHash, Unique("hash"), t, t + Hour, null, default));
        Assert.Equal([old.Id, recent.Id], (await Store.Sessions.ListLiveAsync(user, t, 10, default)).Select(s => s.Id));
        Assert.Single(await Store.Sessions.ListLiveAsync(user, t, 1, default));

        Assert.True(await Store.Sessions.PurgeExpiredAsync(t, default) >= 1);
        Assert.Null(await Store.Sessions.FindAsync(expired.Id, default));
        Assert.NotNull(await Store.Sessions.FindAsync(recent.Id, default));
    }
}
