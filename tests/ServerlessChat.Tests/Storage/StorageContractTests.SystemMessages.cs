using ServerlessChat.Core.Domain;

namespace ServerlessChat.Tests.Storage;

// System messages (group changes, call records): what every adapter promises.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task ASystemMessageKeepsItsNoticeAndIsNeverUnreadSearchedOrATakingPart()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, group) = (NewId(), NewId(), NewId());
        var word = Unique("zebra");
        var notice = new SystemNotice(SystemNotice.MembersAdded, alice, [bob]);
        var message = InGroup(group, alice, $"Group renamed to {word}") with { ClientMessageId = "sys/group/2/membersAdded", System = notice };

        var (stored, created, change) = await Stores.Messages.InsertAsync(message, default);

        Assert.True(created);
        Assert.NotNull(change);
        var found = await Stores.Messages.FindByIdAsync(message.Id, default);
        Assert.Equal(message, found);
        Assert.Equal(notice, found!.System);
        Assert.Equal(notice, stored.System);
        Assert.Equal(0, await Stores.Messages.CountUnreadAsync(message.ConversationId, bob, null, default));
        Assert.Empty(await Stores.Conversations.FindSpeakersAsync([message.ConversationId], [alice], default));
        Assert.Empty((await Stores.Search.SearchAsync([message.ConversationId], Terms(word), null, 10, default)).Messages);
        var listed = await Stores.Conversations.ListAsync(bob, [group], 10, default);
        Assert.Equal(message.Id, listed.Single().LastMessageId);

        // A message a user wrote after it counts as usual; the notice still does not.
        await Stores.Messages.InsertAsync(InGroup(group, alice, "hello"), default);
        Assert.Equal(1, await Stores.Messages.CountUnreadAsync(message.ConversationId, bob, null, default));
        Assert.Null((await Stores.Messages.GetPageAsync(message.ConversationId, null, 10, default)).Single(m => m.Content == "hello").System);
    }

    [SkippableFact]
    public async Task ACallRecordRacedFromBothSidesIsStoredOnceUnderItsKey()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var (caller, callee) = (NewId(), NewId());
            var notice = new SystemNotice(SystemNotice.Call, caller, CallId: "c1", Outcome: "ended", DurationSeconds: 133);
            var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
                Stores.Messages.InsertAsync(DirectMessage(caller, callee, "Call ended · 2:13", clientMessageId: "sys/call/c1") with { System = notice }, default))));

            Assert.Single(attempts, a => a.Created);
            Assert.Single(attempts.Select(a => a.Message.Id).Distinct());
            var page = await Stores.Messages.GetPageAsync(ConversationIds.Direct(caller, callee), null, 10, default);
            Assert.Equal(notice, Assert.Single(page).System);
            Assert.Equal(0, await Stores.Messages.CountUnreadAsync(ConversationIds.Direct(caller, callee), callee, null, default));
        }
    }
}
