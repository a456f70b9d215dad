using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Group administration and invites: what every adapter promises.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task AGroupsSettingsRoundTripAndAnUpdateReplacesThemAtItsVersionOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (owner, member, newcomer) = (NewId(), NewId(), NewId());
        var t = Now();
        var until = t.AddHours(1);
        var group = new GroupRecord(NewId(), "Team", [owner, member], [owner], owner, t, t, 1, "About us", true, [new MutedMember(member, until)]);
        await Stores.Groups.CreateAsync(group, default);

        var stored = await Stores.Groups.FindByIdAsync(group.Id, default);
        AssertGroup(group, stored);
        Assert.Equal(("About us", true), (stored!.Description, stored.Frozen));
        Assert.Equal([new MutedMember(member, until)], stored.MutedMembers);

        var at = t.AddMinutes(1);
        var wanted = group with
        {
            Name = "Renamed", Description = "", Frozen = false, MutedMembers = [new MutedMember(newcomer, null)],
            Members = [owner, member, newcomer], Admins = [owner, newcomer],
        };
        var changed = await Stores.Groups.UpdateAsync(wanted, 1, at, default);
        Assert.NotNull(changed);
        Assert.Equal(("groupUpdated", group.Id), (changed.Change.Type, changed.Change.EntityId));
        var expected = wanted with { Version = 2, UpdatedAt = at };
        foreach (var read in new[] { changed.Value, await Stores.Groups.FindByIdAsync(group.Id, default) })
        {
            AssertGroup(expected, read);
            Assert.Equal(("", false), (read!.Description, read.Frozen));
            Assert.Equal([new MutedMember(newcomer, null)], read.MutedMembers);
        }

        Assert.Null(await Stores.Groups.UpdateAsync(wanted with { Name = "Stale" }, 1, at, default));
        Assert.Null(await Stores.Groups.UpdateAsync(wanted with { Id = NewId() }, 1, at, default));
        Assert.Equal("Renamed", (await Stores.Groups.FindByIdAsync(group.Id, default))!.Name);

        // An avatar is set and removed by an update, and kept by a change of members.
        var avatar = NewId();
        var withAvatar = await Stores.Groups.UpdateAsync(wanted with { AvatarId = avatar }, 2, at, default);
        Assert.Equal(avatar, withAvatar!.Value.AvatarId);
        Assert.Equal(avatar, (await Stores.Groups.FindByIdAsync(group.Id, default))!.AvatarId);
        var membersChanged = await Stores.Groups.UpdateMembersAsync(group.Id, 3, [owner, member], [owner], at, default);
        Assert.Equal(avatar, membersChanged!.Value.AvatarId);
        Assert.Equal(avatar, (await Stores.Groups.FindByIdAsync(group.Id, default))!.AvatarId);
        Assert.Null((await Stores.Groups.UpdateAsync(membersChanged.Value with { AvatarId = null }, 4, at, default))!.Value.AvatarId);
        Assert.Null((await Stores.Groups.FindByIdAsync(group.Id, default))!.AvatarId);

        // A group made before these settings existed reads as undescribed, open and without mutes.
        var plain = new GroupRecord(NewId(), "Plain", [owner], [owner], owner, t, t, 1);
        await Stores.Groups.CreateAsync(plain, default);
        var plainRead = (await Stores.Groups.FindByIdAsync(plain.Id, default))!;
        Assert.Equal(("", false, 0, null), (plainRead.Description, plainRead.Frozen, plainRead.MutedMembers.Count, plainRead.AvatarId));
    }

    [SkippableFact]
    public async Task AJoinAddsTheLastMemberOnceAndNeverPastTheCap()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (owner, joiner) = (NewId(), NewId());
        var t = Now();
        var group = new GroupRecord(NewId(), "Open", [owner], [owner], owner, t, t, 1, "keep", false, [new MutedMember(owner, null)]);
        await Stores.Groups.CreateAsync(group, default);
        var at = t.AddSeconds(1);

        var (outcome, joined) = await Stores.Groups.AddMemberAsync(group.Id, joiner, 2, at, default);

        Assert.Equal(JoinOutcome.Joined, outcome);
        Assert.Equal("groupUpdated", joined!.Change.Type);
        var expected = group with { Members = [owner, joiner], Version = 2, UpdatedAt = at };
        AssertGroup(expected, joined.Value);
        AssertGroup(expected, await Stores.Groups.FindByIdAsync(group.Id, default));
        Assert.Equal("keep", (await Stores.Groups.FindByIdAsync(group.Id, default))!.Description);
        Assert.Equal((JoinOutcome.AlreadyMember, null), await Stores.Groups.AddMemberAsync(group.Id, joiner, 5, at, default));
        Assert.Equal((JoinOutcome.Full, null), await Stores.Groups.AddMemberAsync(group.Id, NewId(), 2, at, default));
        Assert.Equal((JoinOutcome.NoGroup, null), await Stores.Groups.AddMemberAsync(NewId(), joiner, 5, at, default));
        Assert.Single(await Stores.Groups.ListForMemberAsync(joiner, default));
    }

    [SkippableFact]
    public async Task ConcurrentJoinsFillTheGroupExactlyToTheCap()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 3; round++)
        {
            var owner = NewId();
            var t = Now();
            var group = new GroupRecord(NewId(), "Burst", [owner], [owner], owner, t, t, 1);
            await Stores.Groups.CreateAsync(group, default);
            var joiners = Enumerable.Range(0, 30).Select(_ => NewId()).ToList();

            // Each joiner twice, so a user's own repeat races with the others.
            var outcomes = await Task.WhenAll(joiners.Concat(joiners).Select(j => Task.Run(() => Stores.Groups.AddMemberAsync(group.Id, j, 12, Now(), default))));

            Assert.Equal(11, outcomes.Count(o => o.Outcome == JoinOutcome.Joined));
            var stored = (await Stores.Groups.FindByIdAsync(group.Id, default))!;
            Assert.Equal(12, stored.Members.Count);
            Assert.Equal(12, stored.Members.Distinct().Count());
            Assert.Equal(1 + 11, stored.Version);
            Assert.Equal([owner], stored.Admins);
        }
    }

    [SkippableFact]
    public async Task InvitesAreFoundListedRevokedAndUsedWhileLive()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (groupId, admin) = (NewId(), NewId());
        var t = Now();
        var limited = new GroupInviteRecord(Unique("tok"), groupId, admin, t, t.AddHours(1), 2, 0, false);
        var open = new GroupInviteRecord(Unique("tok"), groupId, admin, t.AddSeconds(1), null, null, 0, false);
        Assert.True(await Stores.Invites.CreateAsync(limited, 20, t, default));
        Assert.True(await Stores.Invites.CreateAsync(open, 20, t, default));

        Assert.Equal(limited, await Stores.Invites.FindAsync(limited.Token, default));
        Assert.Null(await Stores.Invites.FindAsync(Unique("tok"), default));
        Assert.Equal([limited, open], await Stores.Invites.ListAsync(groupId, default));
        Assert.Empty(await Stores.Invites.ListAsync(NewId(), default));

        Assert.True(await Stores.Invites.UseAsync(limited.Token, t, default));
        Assert.True(await Stores.Invites.UseAsync(limited.Token, t, default));
        Assert.False(await Stores.Invites.UseAsync(limited.Token, t, default));
        await Stores.Invites.ReleaseAsync(limited.Token, default);
        Assert.Equal(1, (await Stores.Invites.FindAsync(limited.Token, default))!.Uses);
        Assert.False(await Stores.Invites.UseAsync(limited.Token, t.AddHours(2), default));
        Assert.True(await Stores.Invites.UseAsync(open.Token, t.AddYears(1), default));

        Assert.False(await Stores.Invites.RevokeAsync(NewId(), open.Token, default));
        Assert.True(await Stores.Invites.RevokeAsync(groupId, open.Token, default));
        Assert.True((await Stores.Invites.FindAsync(open.Token, default))!.Revoked);
        Assert.False(await Stores.Invites.UseAsync(open.Token, t, default));
    }

    [SkippableFact]
    public async Task AGroupHasAtMostTheCapOfLiveInvitesWhateverTheConcurrency()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (groupId, admin) = (NewId(), NewId());
        var t = Now();
        // Dead ones do not count: expired, used up, revoked.
        var expired = new GroupInviteRecord(Unique("tok"), groupId, admin, t.AddHours(-2), t.AddHours(-1), null, 0, false);
        var usedUp = new GroupInviteRecord(Unique("tok"), groupId, admin, t, null, 1, 1, false);
        Assert.True(await Stores.Invites.CreateAsync(expired, 5, t.AddHours(-2), default));
        Assert.True(await Stores.Invites.CreateAsync(usedUp, 5, t, default));

        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => Stores.Invites.CreateAsync(new GroupInviteRecord(Unique("tok"), groupId, admin, Now(), null, null, 0, false), 5, t, default))));

        var live = (await Stores.Invites.ListAsync(groupId, default)).Where(i => i.IsLive(t)).ToList();
        Assert.InRange(created.Count(c => c), 1, 5);
        Assert.Equal(created.Count(c => c), live.Count);
        while (await Stores.Invites.CreateAsync(new GroupInviteRecord(Unique("tok"), groupId, admin, Now(), null, null, 0, false), 5, t, default))
        {
        }
        Assert.Equal(5, (await Stores.Invites.ListAsync(groupId, default)).Count(i => i.IsLive(t)));
    }

    [SkippableFact]
    public async Task ConcurrentUsesOfALimitedInviteNeverPassItsLimit()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 3; round++)
        {
            var invite = new GroupInviteRecord(Unique("tok"), NewId(), NewId(), Now(), null, 7, 0, false);
            Assert.True(await Stores.Invites.CreateAsync(invite, 20, Now(), default));

            var used = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Task.Run(() => Stores.Invites.UseAsync(invite.Token, Now(), default))));

            Assert.Equal(7, used.Count(u => u));
            Assert.Equal(7, (await Stores.Invites.FindAsync(invite.Token, default))!.Uses);
        }
    }
}

public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task ReadMarkersAreListedWithTheTimeTheyLastMoved()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (first, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "one"), default);
        var (second, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "two"), default);
        Assert.Empty(await Stores.Conversations.ListReadMarkersAsync(conversation, default));

        var (_, moved) = await Stores.Conversations.AdvanceReadMarkerAsync(conversation, bob, second.Id, default);
        var (_, stayed) = await Stores.Conversations.AdvanceReadMarkerAsync(conversation, bob, first.Id, default);
        var (_, aliceMoved) = await Stores.Conversations.AdvanceReadMarkerAsync(conversation, alice, first.Id, default);

        Assert.Null(stayed);
        var markers = (await Stores.Conversations.ListReadMarkersAsync(conversation, default)).OrderBy(m => m.UserId, StringComparer.Ordinal).ToList();
        Assert.Equal(
            new[]
            {
                new ReadMarkerRecord(bob, second.Id, DateTimeOffset.FromUnixTimeMilliseconds(moved!.At)),
                new ReadMarkerRecord(alice, first.Id, DateTimeOffset.FromUnixTimeMilliseconds(aliceMoved!.At)),
            }.OrderBy(m => m.UserId, StringComparer.Ordinal),
            markers);
    }

    [SkippableFact]
    public async Task ConcurrentReadsOfManyUsersEachEndAtTheirFurthestWithATime()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, sender) = (NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var messages = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            messages.Add((await Stores.Messages.InsertAsync(InGroup(group, sender, $"m{i}"), default)).Message.Id);
        }
        var readers = Enumerable.Range(0, 8).Select(_ => NewId()).ToList();

        await Task.WhenAll(readers.SelectMany(r => messages.Select(m => Task.Run(() => Stores.Conversations.AdvanceReadMarkerAsync(conversation, r, m, default)))));

        var markers = await Stores.Conversations.ListReadMarkersAsync(conversation, default);
        Assert.Equal(readers.Order(StringComparer.Ordinal), markers.Select(m => m.UserId).Order(StringComparer.Ordinal));
        Assert.All(markers, m => Assert.Equal(messages[^1], m.UpTo));
        Assert.All(markers, m => Assert.NotNull(m.ReadAt));
    }
}
