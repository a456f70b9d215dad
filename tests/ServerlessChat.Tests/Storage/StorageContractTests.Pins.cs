using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Pins, edit history and mentions that follow edits: what every adapter promises.
public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task PinsAreListedLatestFirstFoundByMessageAndRecordedAsMessageUpdates()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (first, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "first"), default);
        var (second, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "second"), default);
        var t = Now();

        var (pinned, change) = await Stores.Pins.PinAsync(new PinRecord(conversation, first.Id, alice, t), 50, default);
        Assert.Equal(PinChange.Pinned, pinned);
        Assert.Equal(("messageUpdated", first.Id, conversation), (change!.Type, change.EntityId, change.ConversationId));
        Assert.Equal((PinChange.Unchanged, null), await Stores.Pins.PinAsync(new PinRecord(conversation, first.Id, alice, t.AddSeconds(5)), 50, default));
        Assert.Equal(PinChange.Pinned, (await Stores.Pins.PinAsync(new PinRecord(conversation, second.Id, alice, t.AddSeconds(1)), 50, default)).Outcome);

        Assert.Equal([new PinRecord(conversation, second.Id, alice, t.AddSeconds(1)), new PinRecord(conversation, first.Id, alice, t)],
            await Stores.Pins.ListAsync(conversation, default));
        Assert.Equal([new PinRecord(conversation, first.Id, alice, t)],
            await Stores.Pins.FindAsync([conversation, ConversationIds.Group(NewId())], [first.Id, NewId(), "nope"], default));

        var (unpinned, unpinChange) = await Stores.Pins.UnpinAsync(conversation, second.Id, default);
        Assert.Equal(PinChange.Unpinned, unpinned);
        Assert.Equal(("messageUpdated", second.Id), (unpinChange!.Type, unpinChange.EntityId));
        Assert.Equal((PinChange.Unchanged, null), await Stores.Pins.UnpinAsync(conversation, second.Id, default));
        Assert.Equal([first.Id], (await Stores.Pins.ListAsync(conversation, default)).Select(p => p.MessageId));
        Assert.Empty(await Stores.Pins.ListAsync(ConversationIds.Group(NewId()), default));
    }

    [SkippableFact]
    public async Task APinNeedsAnUndeletedMessageOfTheConversationAndADeletionTakesThePinAway()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "pin me"), default);
        var (elsewhere, _, _) = await Stores.Messages.InsertAsync(InGroup(NewId(), alice, "not here"), default);

        Assert.Equal((PinChange.NoMessage, null), await Stores.Pins.PinAsync(new PinRecord(conversation, elsewhere.Id, alice, Now()), 50, default));
        Assert.Equal((PinChange.NoMessage, null), await Stores.Pins.PinAsync(new PinRecord(conversation, NewId(), alice, Now()), 50, default));
        Assert.Equal(PinChange.Pinned, (await Stores.Pins.PinAsync(new PinRecord(conversation, message.Id, alice, Now()), 50, default)).Outcome);

        await Stores.Messages.MarkDeletedAsync(message.Id, Now(), default);

        Assert.Empty(await Stores.Pins.ListAsync(conversation, default));
        Assert.Empty(await Stores.Pins.FindAsync([conversation], [message.Id], default));
        Assert.Equal((PinChange.MessageDeleted, null), await Stores.Pins.PinAsync(new PinRecord(conversation, message.Id, alice, Now()), 50, default));
    }

    [SkippableFact]
    public async Task ConcurrentPinsNeverPassTheCap()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 3; round++)
        {
            var (group, alice) = (NewId(), NewId());
            var conversation = ConversationIds.Group(group);
            var messages = new List<MessageRecord>();
            for (var i = 0; i < 30; i++)
            {
                messages.Add((await Stores.Messages.InsertAsync(InGroup(group, alice, $"m{i}"), default)).Message);
            }

            // Every message twice, so repeats race with first pins too.
            var outcomes = await Task.WhenAll(messages.Concat(messages).Select(m =>
                Task.Run(() => Stores.Pins.PinAsync(new PinRecord(conversation, m.Id, alice, Now()), 20, default))));

            Assert.Equal(20, outcomes.Count(o => o.Outcome == PinChange.Pinned));
            Assert.All(outcomes, o => Assert.Equal(o.Outcome == PinChange.Pinned, o.Change is not null));
            var listed = await Stores.Pins.ListAsync(conversation, default);
            Assert.Equal(20, listed.Count);
            Assert.Equal(20, listed.Select(p => p.MessageId).Distinct().Count());
        }
    }

    [SkippableFact]
    public async Task AnEditKeepsTheEarlierTextsOldestFirstUntilTheMessageIsDeleted()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var sentAt = Now();
        var (message, _, _) = await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "one", at: sentAt), default);
        Assert.Empty(await Stores.Messages.ListEditsAsync(message.Id, default));

        var firstEdit = sentAt.AddSeconds(1);
        var secondEdit = sentAt.AddSeconds(2);
        var edited = await Stores.Messages.UpdateContentAsync(message.Id, "$two {\"x\": 1}", [], firstEdit, default);
        Assert.Equal(("$two {\"x\": 1}", firstEdit), (edited!.Value.Content, edited.Value.EditedAt));
        Assert.Equal(("messageUpdated", message.Id), (edited.Change.Type, edited.Change.EntityId));
        await Stores.Messages.UpdateContentAsync(message.Id, "three", [], secondEdit, default);

        Assert.Equal([new MessageEditRecord("one", sentAt), new MessageEditRecord("$two {\"x\": 1}", firstEdit)],
            await Stores.Messages.ListEditsAsync(message.Id, default));
        Assert.Equal("three", (await Stores.Messages.FindByIdAsync(message.Id, default))!.Content);
        Assert.Empty(await Stores.Messages.ListEditsAsync(NewId(), default));
        Assert.Empty(await Stores.Messages.ListEditsAsync("nope", default));

        await Stores.Messages.MarkDeletedAsync(message.Id, Now(), default);

        Assert.Empty(await Stores.Messages.ListEditsAsync(message.Id, default));
        Assert.Null(await Stores.Messages.UpdateContentAsync(message.Id, "four", [], Now(), default));
        Assert.Empty(await Stores.Messages.ListEditsAsync(message.Id, default));
    }

    [SkippableFact]
    public async Task AMessageKeepsOnlyItsNewestEarlierVersions()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "v0"), default);
        var extra = 3;
        for (var i = 1; i <= MessageEditRecord.MaxKept + extra; i++)
        {
            await Stores.Messages.UpdateContentAsync(message.Id, $"v{i}", [], Now(), default);
        }

        var kept = await Stores.Messages.ListEditsAsync(message.Id, default);
        Assert.Equal(Enumerable.Range(extra, MessageEditRecord.MaxKept).Select(i => $"v{i}"), kept.Select(e => e.Content));
    }

    [SkippableFact]
    public async Task ConcurrentEditsEachKeepTheTextTheyReplaced()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(DirectMessage(alice, bob, "start"), default);

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            Task.Run(() => Stores.Messages.UpdateContentAsync(message.Id, $"edit {i}", [], Now(), default))));

        Assert.All(results, Assert.NotNull);
        var history = (await Stores.Messages.ListEditsAsync(message.Id, default)).Select(e => e.Content).ToList();
        var current = (await Stores.Messages.FindByIdAsync(message.Id, default))!.Content;
        // Each version but the one that stands is kept exactly once: no edit overwrote another unseen.
        Assert.Equal(
            Enumerable.Range(0, 30).Select(i => $"edit {i}").Append("start").Where(c => c != current).Order(StringComparer.Ordinal),
            history.Order(StringComparer.Ordinal));
        Assert.Equal("start", history[0]);
    }

    [SkippableFact]
    public async Task AnEditReplacesTheMentionsAndTheUnreadMentionCountsFollow()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob, carol) = (NewId(), NewId(), NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "@bob look", [bob]), default);
        Assert.Equal(1, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, null, default));

        var edited = await Stores.Messages.UpdateContentAsync(message.Id, "@carol look", [carol], Now(), default);

        Assert.Equal([carol], edited!.Value.Mentions);
        Assert.Equal([carol], (await Stores.Messages.FindByIdAsync(message.Id, default))!.Mentions);
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, null, default));
        Assert.Equal(1, await Stores.Messages.CountUnreadMentionsAsync(conversation, carol, null, default));

        await Stores.Messages.UpdateContentAsync(message.Id, "nobody", [], Now(), default);
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, carol, null, default));
        Assert.Empty((await Stores.Messages.FindByIdAsync(message.Id, default))!.Mentions);

        await Stores.Messages.UpdateContentAsync(message.Id, "@bob @carol", [bob, carol], Now(), default);
        await Stores.Messages.MarkDeletedAsync(message.Id, Now(), default);
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, null, default));
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, carol, null, default));
    }
}
