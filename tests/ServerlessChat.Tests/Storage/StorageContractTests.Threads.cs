using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Threads: what every adapter promises about replies, their roots' summaries and the history they stay out of.
public abstract partial class StorageContractTests
{
    private static MessageRecord ThreadReply(MessageRecord root, string from, string content, bool alsoInConversation = false, IReadOnlyList<string>? mentions = null) =>
        InGroup(root.GroupId!, from, content, mentions) with { ThreadId = root.Id, InConversation = alsoInConversation };

    [SkippableFact]
    public async Task AThreadReplyCountsOnItsRootAndStaysOutOfTheHistoryTheCountsAndTheLatest()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob, carol) = (NewId(), NewId(), NewId(), NewId());
        var conversation = ConversationIds.Group(group);
        var (root, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "root"), default);
        var (latest, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "latest top-level"), default);

        var (first, created, change) = await Stores.Messages.InsertAsync(ThreadReply(root, bob, "in the thread", mentions: [carol]), default);
        Assert.True(created);
        Assert.Equal(("newMessage", first.Id), (change!.Type, change.EntityId));
        Assert.Equal((root.Id, false), (first.ThreadId, first.InConversation));
        var (second, _, _) = await Stores.Messages.InsertAsync(ThreadReply(root, carol, "also shown", alsoInConversation: true), default);
        var (third, _, _) = await Stores.Messages.InsertAsync(ThreadReply(root, bob, "bob again"), default);

        var summary = (await Stores.Messages.FindByIdAsync(root.Id, default))!.Thread!;
        Assert.Equal(3, summary.ReplyCount);
        Assert.Equal(third.CreatedAt, summary.LastReplyAt);
        Assert.Equal([bob, carol], summary.Participants);
        Assert.Null((await Stores.Messages.FindByIdAsync(latest.Id, default))!.Thread);
        Assert.Equal(first, await Stores.Messages.FindByIdAsync(first.Id, default));

        // The history has the top-level messages and the reply also in the conversation, nothing else.
        Assert.Equal([second.Id, latest.Id, root.Id], (await Stores.Messages.GetPageAsync(conversation, null, 10, default)).Select(m => m.Id));
        // Unread for a member who read nothing: the two top-level messages and the one reply shown in the conversation.
        Assert.Equal(3, await Stores.Messages.CountUnreadAsync(conversation, NewId(), null, default));
        Assert.Equal(0, await Stores.Messages.CountUnreadMentionsAsync(conversation, carol, null, default));
        var record = (await Stores.Conversations.ListAsync(alice, [group], 10, default)).Single(c => c.ConversationId == conversation);
        Assert.Equal(second.Id, record.LastMessageId);

        // The thread, oldest first, in pages.
        Assert.Equal([first.Id, second.Id], (await Stores.Messages.GetThreadPageAsync(conversation, root.Id, null, 2, default)).Select(m => m.Id));
        Assert.Equal([third.Id], (await Stores.Messages.GetThreadPageAsync(conversation, root.Id, second.Id, 2, default)).Select(m => m.Id));
        Assert.Empty(await Stores.Messages.GetThreadPageAsync(conversation, latest.Id, null, 10, default));
        Assert.Empty(await Stores.Messages.GetThreadPageAsync(ConversationIds.Group(NewId()), root.Id, null, 10, default));
        Assert.Empty(await Stores.Messages.GetThreadPageAsync(conversation, "nope", null, 10, default));
    }

    [SkippableFact]
    public async Task ARepeatedThreadReplyCountsOnce()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice) = (NewId(), NewId());
        var (root, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "root"), default);
        var reply = ThreadReply(root, alice, "once") with { ClientMessageId = "c-1" };
        var first = await Stores.Messages.InsertAsync(reply, default);
        var (again, created, change) = await Stores.Messages.InsertAsync(reply with { Id = NewId() }, default);

        Assert.False(created);
        // The repeat names the change that stored the reply, and records none of its own.
        Assert.Equal(first.Change, change);
        Assert.Equal(reply.Id, again.Id);
        Assert.Equal(1, (await Stores.Messages.FindByIdAsync(root.Id, default))!.Thread!.ReplyCount);
    }

    [SkippableFact]
    public async Task ConcurrentThreadRepliesAllCountOnTheRoot()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 3; round++)
        {
            var group = NewId();
            var senders = Enumerable.Range(0, 8).Select(_ => NewId()).ToList();
            var (root, _, _) = await Stores.Messages.InsertAsync(InGroup(group, senders[0], "root"), default);

            // 40 replies from 8 senders at once, some also in the conversation.
            await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
                Task.Run(() => Stores.Messages.InsertAsync(ThreadReply(root, senders[i % senders.Count], $"r{i}", alsoInConversation: i % 5 == 0), default))));

            var summary = (await Stores.Messages.FindByIdAsync(root.Id, default))!.Thread!;
            Assert.Equal(40, summary.ReplyCount);
            Assert.Equal(senders.Order(StringComparer.Ordinal), summary.Participants.Order(StringComparer.Ordinal));
            Assert.Equal(40, (await Stores.Messages.GetThreadPageAsync(root.ConversationId, root.Id, null, 100, default)).Count);
            Assert.Equal(9, (await Stores.Messages.GetPageAsync(root.ConversationId, null, 100, default)).Count);
        }
    }

    private IThreadStore Threads => (IThreadStore)Stores.Services.GetService(typeof(IThreadStore))!;

    [SkippableFact]
    public async Task ARootsSenderItsRepliersAndThoseMentionedTakePartWithTheirOwnReadMarkers()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (group, alice, bob, carol, dave) = (NewId(), NewId(), NewId(), NewId(), NewId());
        var (root, _, _) = await Stores.Messages.InsertAsync(InGroup(group, alice, "root"), default);
        Assert.Empty(await Threads.ListForUserAsync(alice, 10, default));

        var (first, _, _) = await Stores.Messages.InsertAsync(ThreadReply(root, bob, "hi @carol", mentions: [carol]), default);
        var (second, _, _) = await Stores.Messages.InsertAsync(ThreadReply(root, alice, "answer"), default);

        foreach (var member in new[] { alice, bob, carol })
        {
            Assert.Equal([new ThreadMemberRecord(member, root.Id, root.ConversationId, null)], await Threads.ListForUserAsync(member, 10, default));
        }
        Assert.Empty(await Threads.ListForUserAsync(dave, 10, default));

        Assert.Equal(2, await Threads.CountUnreadAsync(root.ConversationId, root.Id, carol, null, default));
        Assert.Equal(1, await Threads.CountUnreadAsync(root.ConversationId, root.Id, bob, null, default));
        Assert.Equal(first.Id, await Threads.AdvanceReadAsync(carol, root.Id, first.Id, default));
        Assert.Equal(1, await Threads.CountUnreadAsync(root.ConversationId, root.Id, carol, first.Id, default));
        Assert.Equal(second.Id, await Threads.AdvanceReadAsync(carol, root.Id, second.Id, default));
        // Never backwards.
        Assert.Equal(second.Id, await Threads.AdvanceReadAsync(carol, root.Id, first.Id, default));
        Assert.Equal(second.Id, (await Threads.ListForUserAsync(carol, 10, default)).Single().ReadUpTo);
        Assert.Null(await Threads.AdvanceReadAsync(dave, root.Id, second.Id, default));

        await Stores.Messages.MarkDeletedAsync(second.Id, Now(), default);
        Assert.Equal(1, await Threads.CountUnreadAsync(root.ConversationId, root.Id, carol, null, default));
    }

    [SkippableFact]
    public async Task RacingRepliesMakeEachParticipantAMemberOnce()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 3; round++)
        {
            var group = NewId();
            var senders = Enumerable.Range(0, 4).Select(_ => NewId()).ToList();
            var (root, _, _) = await Stores.Messages.InsertAsync(InGroup(group, senders[0], "root"), default);
            await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
                Task.Run(() => Stores.Messages.InsertAsync(ThreadReply(root, senders[i % senders.Count], $"r{i}"), default))));
            foreach (var sender in senders)
            {
                Assert.Equal([root.Id], (await Threads.ListForUserAsync(sender, 10, default)).Select(m => m.RootId));
            }
        }
    }
}
