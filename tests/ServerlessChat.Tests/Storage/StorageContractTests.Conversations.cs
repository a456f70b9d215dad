using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Search;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Replies, mentions, reactions, search and blocks: what every adapter promises.
public abstract partial class StorageContractTests
{
    private StorageTestHost Stores => Fixture.Host;

    private static MessageRecord InGroup(string groupId, string from, string content, IReadOnlyList<string>? mentions = null, string? replyTo = null) =>
        new(NewId(), ConversationIds.Group(groupId), from, null, groupId, content, Now(), null, false, null, replyTo, mentions);

    private static IReadOnlyList<string> Terms(string query) => SearchText.Words(query).Select(w => w.Normalized).ToList();

    [SkippableFact]
    public async Task RepliesAndMentionsRoundTripAndAreFoundByIdsInOneCall()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var (original, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "question"), default);
        var (reply, _, _) = await Stores.Messages.InsertAsync(InGroup(group, bob, "answer @alice", [alice], original.Id), default);

        Assert.Equal(reply, await Stores.Messages.FindByIdAsync(reply.Id, default));
        Assert.Equal([alice], (await Stores.Messages.FindByIdAsync(reply.Id, default))!.Mentions);
        Assert.Equal(original.Id, (await Stores.Messages.FindByIdAsync(reply.Id, default))!.ReplyToId);
        var found = await Stores.Messages.FindByIdsAsync([original.Id, reply.Id, NewId(), "nope"], default);
        Assert.Equal(new[] { original.Id, reply.Id }.Order(), found.Select(m => m.Id).Order());
    }

    [SkippableFact]
    public async Task UnreadMentionsCountUndeletedMessagesAfterTheMarker()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (first, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "@bob one", [bob]), default);
        await Stores.Messages.InsertAsync(InGroup(group, alice, "no mention"), default);
        var (third, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "@bob three", [bob]), default);
        var (fourth, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "@bob four", [bob]), default);
        await Stores.Messages.MarkDeletedAsync(fourth.Id, Now(), default);

        Assert.Equal(2, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, null, default));
        Assert.Equal(1, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, first.Id, default));
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, bob, third.Id, default));
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, alice, null, default));
    }

    [SkippableFact]
    public async Task ReactionsAreAddedOncePerUserAndListedInTheOrderTheyWereMade()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "hi"), default);
        var conversation = message.ConversationId;

        Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(conversation, message.Id, "🎉", bob, 20, default)).Outcome);
        Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(conversation, message.Id, "👍", alice, 20, default)).Outcome);
        Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(conversation, message.Id, "🎉", alice, 20, default)).Outcome);
        Assert.Equal(ReactionChange.Unchanged, (await Stores.Reactions.AddAsync(conversation, message.Id, "🎉", bob, 20, default)).Outcome);
        Assert.Equal(ReactionChange.NoMessage, (await Stores.Reactions.AddAsync(conversation, NewId(), "🎉", bob, 20, default)).Outcome);

        var listed = await Stores.Reactions.ListAsync([conversation], [message.Id], default);
        Assert.Equal([("🎉", bob), ("👍", alice), ("🎉", alice)], listed.Select(r => (r.Emoji, r.UserId)));
        Assert.True(listed.Select(r => r.Sequence).SequenceEqual(listed.Select(r => r.Sequence).Order()));

        Assert.Equal(ReactionChange.Removed, (await Stores.Reactions.RemoveAsync(conversation, message.Id, "🎉", bob, default)).Outcome);
        Assert.Equal(ReactionChange.Unchanged, (await Stores.Reactions.RemoveAsync(conversation, message.Id, "🎉", bob, default)).Outcome);
        Assert.Equal([("👍", alice), ("🎉", alice)], (await Stores.Reactions.ListAsync([conversation], [message.Id], default)).Select(r => (r.Emoji, r.UserId)));
    }

    [SkippableFact]
    public async Task AMessageTakesNoMoreDistinctEmojiThanTheCapAndAnEmojiAlreadyThereStillCounts()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "hi"), default);
        var emoji = new[] { "😀", "😃", "😄" };
        foreach (var e in emoji)
        {
            Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(message.ConversationId, message.Id, e, alice, 3, default)).Outcome);
        }

        Assert.Equal(ReactionChange.TooManyEmoji, (await Stores.Reactions.AddAsync(message.ConversationId, message.Id, "🤔", bob, 3, default)).Outcome);
        Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(message.ConversationId, message.Id, "😀", bob, 3, default)).Outcome);
        Assert.Equal(ReactionChange.Removed, (await Stores.Reactions.RemoveAsync(message.ConversationId, message.Id, "😄", alice, default)).Outcome);
        Assert.Equal(ReactionChange.Added, (await Stores.Reactions.AddAsync(message.ConversationId, message.Id, "🤔", bob, 3, default)).Outcome);
    }

    [SkippableFact]
    public async Task ConcurrentFirstUsesOfDifferentEmojiNeverPassTheCap()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "hi"), default);
        var emoji = new[] { "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃" };

        var outcomes = await Task.WhenAll(emoji.Select(e => Stores.Reactions.AddAsync(message.ConversationId, message.Id, e, NewId(), 4, default)));

        Assert.Equal(4, outcomes.Count(o => o.Outcome == ReactionChange.Added));
        Assert.Equal(4, (await Stores.Reactions.ListAsync([message.ConversationId], [message.Id], default)).Select(r => r.Emoji).Distinct().Count());
    }

    [SkippableFact]
    public async Task FiftyConcurrentReactionsToOneMessageAreAllCounted()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "hot"), default);
        var users = Enumerable.Range(0, 50).Select(_ => NewId()).ToList();

        var outcomes = await Task.WhenAll(users.Select(u => Stores.Reactions.AddAsync(message.ConversationId, message.Id, "🔥", u, 20, default)));

        Assert.All(outcomes, o => Assert.Equal(ReactionChange.Added, o.Outcome));
        var listed = await Stores.Reactions.ListAsync([message.ConversationId], [message.Id], default);
        Assert.Equal(users.Order(), listed.Select(r => r.UserId).Order());
    }

    [SkippableFact]
    public async Task ADeletedMessageLosesItsReactionsAndTakesNoNewOnes()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob) = (NewId(), NewId(), NewId());
        var (message, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "hi"), default);
        var (other, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "other"), default);
        await Stores.Reactions.AddAsync(message.ConversationId, message.Id, "👍", bob, 20, default);
        await Stores.Reactions.AddAsync(other.ConversationId, other.Id, "👍", bob, 20, default);

        await Stores.Messages.MarkDeletedAsync(message.Id, Now(), default);

        Assert.Equal(ReactionChange.MessageDeleted, (await Stores.Reactions.AddAsync(message.ConversationId, message.Id, "👍", alice, 20, default)).Outcome);
        var left = await Stores.Reactions.ListAsync([message.ConversationId], [message.Id, other.Id], default);
        Assert.Equal([other.Id], left.Select(r => r.MessageId));
    }

    [SkippableFact]
    public async Task SearchMatchesWordPrefixesOfEveryTermNewestFirstWithinTheGivenConversations()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, other, alice) = (NewId(), NewId(), NewId());
        var word = Unique("w");
        var (older, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, $"Déploiement {word}"), default);
        var (newer, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, $"DEPLOYMENT {word}x"), default);
        await Stores.Messages.InsertAsync(InGroup(group, alice, $"redeploy {word}"), default);
        await Stores.Messages.InsertAsync(InGroup(other, alice, $"deploy {word}"), default);
        var scope = new[] { ConversationIds.Group(group) };

        var found = await Stores.Search.SearchAsync(scope, Terms($"dep {word}"), null, 10, default);
        Assert.Equal([newer.Id, older.Id], found.Messages.Select(m => m.Id));
        Assert.True(found.Complete);

        Assert.Equal([older.Id], (await Stores.Search.SearchAsync(scope, Terms($"deploi {word}"), null, 10, default)).Messages.Select(m => m.Id));
        Assert.Equal([older.Id], (await Stores.Search.SearchAsync(scope, Terms($"dep {word}"), newer.Id, 10, default)).Messages.Select(m => m.Id));
        Assert.Equal([newer.Id], (await Stores.Search.SearchAsync(scope, Terms($"dep {word}"), null, 1, default)).Messages.Select(m => m.Id));
        Assert.Empty((await Stores.Search.SearchAsync(scope, Terms($"ploy {word}"), null, 10, default)).Messages);
        Assert.Empty((await Stores.Search.SearchAsync([], Terms(word), null, 10, default)).Messages);
    }

    [SkippableFact]
    public async Task SearchAllCoversTheDirectConversationsAndCurrentGroupsOfTheUserAndNothingElse()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, carol) = (NewId(), NewId(), NewId());
        var (member, left, stranger) = (NewId(), NewId(), NewId());
        var now = Now();
        await Stores.Groups.CreateAsync(new GroupRecord(member, "member", [alice, bob], [alice], alice, now, now, 1), default);
        await Stores.Groups.CreateAsync(new GroupRecord(left, "left", [alice, carol], [carol], carol, now, now, 1), default);
        await Stores.Groups.CreateAsync(new GroupRecord(stranger, "stranger", [bob, carol], [bob], bob, now, now, 1), default);
        Assert.NotNull(await Stores.Groups.UpdateMembersAsync(left, 1, [carol], [carol], now, default));
        var word = Unique("w");
        var (written, _, _) = await Stores.Messages.InsertAsync(DirectMessage(alice, bob, $"{word} sent"), default);
        var (received, _, _) = await Stores.Messages.InsertAsync(DirectMessage(carol, alice, $"{word} received"), default);
        var (inGroup, _, _) = await Stores.Messages.InsertAsync(InGroup(member, bob, $"{word} in a group"), default);
        await Stores.Messages.InsertAsync(InGroup(left, carol, $"{word} in a group alice left"), default);
        await Stores.Messages.InsertAsync(InGroup(stranger, bob, $"{word} in another group"), default);
        await Stores.Messages.InsertAsync(DirectMessage(bob, carol, $"{word} between others"), default);

        var found = await Stores.Search.SearchAllAsync(alice, Terms(word), null, 10, default);

        Assert.Equal([inGroup.Id, received.Id, written.Id], found.Messages.Select(m => m.Id));
        Assert.True(found.Complete);
        Assert.Equal([received.Id, written.Id], (await Stores.Search.SearchAllAsync(alice, Terms(word), inGroup.Id, 10, default)).Messages.Select(m => m.Id));
        Assert.Equal([inGroup.Id], (await Stores.Search.SearchAllAsync(alice, Terms(word), null, 1, default)).Messages.Select(m => m.Id));
        Assert.Equal([received.Id], (await Stores.Search.SearchAllAsync(alice, Terms($"{word} rec"), null, 10, default)).Messages.Select(m => m.Id));
        Assert.Empty((await Stores.Search.SearchAllAsync(NewId(), Terms(word), null, 10, default)).Messages);
        Assert.Empty((await Stores.Search.SearchAllAsync("not-an-id", Terms(word), null, 10, default)).Messages);
    }

    [SkippableFact]
    public async Task SearchFollowsEditsAndNeverFindsDeletedMessages()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var word = Unique("w");
        var (edited, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, $"old{word}"), default);
        var (deleted, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, $"gone{word}"), default);
        var scope = new[] { ConversationIds.Group(group) };

        await Stores.Messages.UpdateContentAsync(edited.Id, $"new{word}", [], Now(), default);
        await Stores.Messages.MarkDeletedAsync(deleted.Id, Now(), default);

        Assert.Empty((await Stores.Search.SearchAsync(scope, Terms($"old{word}"), null, 10, default)).Messages);
        Assert.Equal([edited.Id], (await Stores.Search.SearchAsync(scope, Terms($"new{word}"), null, 10, default)).Messages.Select(m => m.Id));
        Assert.Empty((await Stores.Search.SearchAsync(scope, Terms($"gone{word}"), null, 10, default)).Messages);
    }

    [SkippableTheory]
    [InlineData(".*")]
    [InlineData("$where")]
    [InlineData("\\")]
    [InlineData("\"")]
    [InlineData("a\" OR \"b")]
    [InlineData("^")]
    public async Task SearchTermsWithOperatorCharactersAreLiteral(string term)
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        await Stores.Messages.InsertAsync(InGroup(group, alice, "anything at all where a b"), default);

        // Raw terms straight to the store, past the normalization that would drop most of these characters.
        var found = await Stores.Search.SearchAsync([ConversationIds.Group(group)], [term], null, 10, default);

        Assert.Empty(found.Messages);
    }

    [SkippableFact]
    public async Task BlocksAreIdempotentListedInOrderAndOneWay()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, carol) = (NewId(), NewId(), NewId());

        await Stores.Blocks.BlockAsync(alice, bob, Now(), default);
        await Stores.Blocks.BlockAsync(alice, carol, Now().AddMilliseconds(1), default);
        await Stores.Blocks.BlockAsync(alice, bob, Now().AddMilliseconds(2), default);

        Assert.Equal([bob, carol], await Stores.Blocks.ListBlockedAsync(alice, default));
        Assert.True(await Stores.Blocks.IsBlockedAsync(alice, bob, default));
        Assert.False(await Stores.Blocks.IsBlockedAsync(bob, alice, default));
        Assert.Empty(await Stores.Blocks.ListBlockedAsync(bob, default));

        await Stores.Blocks.UnblockAsync(alice, bob, default);
        await Stores.Blocks.UnblockAsync(alice, bob, default);
        Assert.False(await Stores.Blocks.IsBlockedAsync(alice, bob, default));
        Assert.Equal([carol], await Stores.Blocks.ListBlockedAsync(alice, default));
    }
}
