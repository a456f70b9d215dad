using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Who took part in which conversation, and who may add a user to groups: what every adapter promises.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task ASenderTakesPartInItsConversationAndAReceiverDoesNot()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, carol, group) = (NewId(), NewId(), NewId(), NewId());
        var direct = ConversationIds.Direct(alice, bob);
        var groupConversation = ConversationIds.Group(group);
        Assert.Empty(await Stores.Conversations.FindSpeakersAsync([direct, groupConversation], [alice, bob, carol], default));

        await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "one way"), default);
        await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "again"), default);
        await Stores.Messages.InsertAsync(InGroup(group, carol, "hi group"), default);
        // A repeated clientMessageId stores nothing new and changes nothing here either.
        await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "once", clientMessageId: "c-1"), default);
        await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "once", clientMessageId: "c-1"), default);

        var speakers = await Stores.Conversations.FindSpeakersAsync([direct, groupConversation, "d:nope"], [alice, bob, carol, "not-an-id"], default);
        Assert.Equal(
            new[] { new ConversationSpeaker(direct, alice), new ConversationSpeaker(groupConversation, carol) }.OrderBy(s => s.ConversationId, StringComparer.Ordinal),
            speakers.OrderBy(s => s.ConversationId, StringComparer.Ordinal));
        Assert.Empty(await Stores.Conversations.FindSpeakersAsync([direct], [bob], default));
        Assert.Empty(await Stores.Conversations.FindSpeakersAsync([], [alice], default));
        Assert.Empty(await Stores.Conversations.FindSpeakersAsync([direct], [], default));

        await Stores.Messages.InsertAsync(DirectMessage(bob, alice, "reply"), default);
        Assert.Equal(2, (await Stores.Conversations.FindSpeakersAsync([direct], [alice, bob], default)).Count);
    }

    [SkippableFact]
    public async Task TheConversationsAUserSpokeInAreListedFromTheUserAloneAndNotThoseItWasOnlyWrittenTo()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, carol, group, quiet) = (NewId(), NewId(), NewId(), NewId(), NewId());
        await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "one way"), default);
        await Stores.Messages.InsertAsync(DirectMessage(carol, alice, "written to alice"), default);
        await Stores.Messages.InsertAsync(InGroup(group, alice, "hi group"), default);
        await Stores.Messages.InsertAsync(InGroup(quiet, bob, "alice never speaks here"), default);

        Assert.Equal(
            new[] { ConversationIds.Direct(alice, bob), ConversationIds.Group(group) }.Order(StringComparer.Ordinal),
            await Stores.Conversations.ListSpokenInAsync(alice, default));
        Assert.Equal([ConversationIds.Direct(carol, alice)], await Stores.Conversations.ListSpokenInAsync(carol, default));
        Assert.Empty(await Stores.Conversations.ListSpokenInAsync(NewId(), default));
        Assert.Empty(await Stores.Conversations.ListSpokenInAsync("not-an-id", default));
    }

    [SkippableFact]
    public async Task ABurstOfSendsRecordsEachSpeakerOnce()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var group = NewId();
            var members = Enumerable.Range(0, 5).Select(_ => NewId()).ToList();
            await Task.WhenAll(Enumerable.Range(0, 20)
                .Select(i => Task.Run(() => Stores.Messages.InsertAsync(InGroup(group, members[i % members.Count], $"burst {i}"), default))));

            var speakers = await Stores.Conversations.FindSpeakersAsync([ConversationIds.Group(group)], members, default);
            Assert.Equal(members.Order(StringComparer.Ordinal), speakers.Select(s => s.UserId).Order(StringComparer.Ordinal));
        }
    }

    [SkippableFact]
    public async Task WhoMayAddAUserIsUnsetUntilChosenAndThenKept()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        Assert.Null((await Stores.Users.FindByIdAsync(user.Id, default))!.GroupAdds);

        var later = Now().AddSeconds(1);
        Assert.True(await Stores.Users.SetGroupAddsAsync(user.Id, GroupAdds.Everyone, later, default));
        var stored = (await Stores.Users.FindByIdAsync(user.Id, default))!;
        Assert.Equal(GroupAdds.Everyone, stored.GroupAdds);
        Assert.Equal(later, stored.UpdatedAt);
        Assert.Equal(GroupAdds.Everyone, Assert.Single(await Stores.Users.FindByIdsAsync([user.Id], default)).GroupAdds);

        Assert.True(await Stores.Users.SetGroupAddsAsync(user.Id, GroupAdds.Contacts, later, default));
        Assert.Equal(GroupAdds.Contacts, (await Stores.Users.FindByIdAsync(user.Id, default))!.GroupAdds);
        Assert.False(await Stores.Users.SetGroupAddsAsync(NewId(), GroupAdds.Everyone, later, default));
        Assert.False(await Stores.Users.SetGroupAddsAsync("not-an-id", GroupAdds.Everyone, later, default));

        var chosen = NewUser() with { GroupAdds = GroupAdds.Everyone };
        Assert.Equal(CreateUserOutcome.Created, await Stores.Users.CreateAsync(chosen, default));
        Assert.Equal(chosen, await Stores.Users.FindByIdAsync(chosen.Id, default));
    }

    [SkippableFact]
    public async Task ABurstOfPrivacyChangesEndsWithOneOfThem()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        for (var round = 0; round < 5; round++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
                Task.Run(() => Stores.Users.SetGroupAddsAsync(user.Id, i % 2 == 0 ? GroupAdds.Everyone : GroupAdds.Contacts, Now(), default))));
            Assert.All(results, Assert.True);
            Assert.NotNull((await Stores.Users.FindByIdAsync(user.Id, default))!.GroupAdds);
        }
    }
}
