using ServerlessChat.Core.Access;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Messaging;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Threads;

/// <summary>
/// Threads: replies sent with <c>threadId</c> (see <see cref="ThreadRoots"/>), read here a page at a time, oldest
/// first. The root carries the summary (<c>thread</c>), which each reply's own write keeps.
/// </summary>
public sealed class ThreadService(MessageService messages, IMessageStore store, IThreadStore threads, IConversationStore conversations, ConversationAccess access)
{
    /// <summary>How many of a user's threads the list looks at (the latest replies first among them).</summary>
    public const int MaxThreads = 500;

    /// <summary>A page of the thread of <paramref name="rootId"/>; 404 unless the caller can see it and it is a top-level message.</summary>
    public async Task<ThreadPageDto> GetPageAsync(string callerId, string rootId, string? after, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        var afterId = rules.Id("after", after, required: false);
        var limit = rules.Limit("limit", limitText, 50, 100);
        rules.ThrowIfAny();

        var root = await messages.FindVisibleAsync(callerId, rootId, ct);
        if (root.ThreadId is not null)
        {
            throw ProblemException.NotFound("No such thread: the message is a reply in another thread.");
        }

        var participants = await access.VisibleParticipantsAsync(callerId, root.ConversationId, ct) ?? throw ProblemException.NotFound("No such message.");
        var page = await store.GetThreadPageAsync(root.ConversationId, root.Id, afterId, limit + 1, ct);
        var markers = await conversations.GetReadMarkersAsync(root.ConversationId, ct);
        var items = await messages.BuildDtosAsync(page.Take(limit).ToList(), _ => (markers, participants), ct);
        return new ThreadPageDto(items, page.Count > limit ? items[^1].Id : null);
    }

    /// <summary>
    /// The caller's threads (started, replied to or mentioned in) in conversations it can still see, latest reply
    /// first, each with the replies it has not read; <paramref name="before"/> is the last root of the previous page.
    /// </summary>
    public async Task<ThreadListDto> ListAsync(string callerId, string? before, string? limitText, CancellationToken ct)
    {
        var rules = new InputRules();
        var beforeId = rules.Id("before", before, required: false);
        var limit = rules.Limit("limit", limitText, 20, 50);
        rules.ThrowIfAny();

        var memberships = (await threads.ListForUserAsync(callerId, MaxThreads, ct)).ToDictionary(m => m.RootId, StringComparer.Ordinal);
        var participants = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        foreach (var conversationId in memberships.Values.Select(m => m.ConversationId).Distinct(StringComparer.Ordinal))
        {
            participants[conversationId] = await access.VisibleParticipantsAsync(callerId, conversationId, ct);
        }

        var ordered = (await store.FindByIdsAsync(memberships.Keys, ct))
            .Where(r => r is { Deleted: false, Thread: not null } && participants.GetValueOrDefault(r.ConversationId) is not null)
            .OrderByDescending(r => r.Thread!.LastReplyAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .ToList();
        var start = beforeId is null ? 0 : ordered.FindIndex(r => r.Id == beforeId) + 1;
        var page = ordered.Skip(start).Take(limit).ToList();

        var markers = await conversations.GetReadMarkersAsync(page.Select(r => r.ConversationId).Distinct(StringComparer.Ordinal).ToList(), ct);
        var roots = await messages.BuildDtosAsync(page, c => (markers.GetValueOrDefault(c) ?? new Dictionary<string, string>(), participants[c]!), ct);
        var items = new List<ThreadItemDto>(page.Count);
        for (var i = 0; i < page.Count; i++)
        {
            var unread = await threads.CountUnreadAsync(page[i].ConversationId, page[i].Id, callerId, memberships[page[i].Id].ReadUpTo, ct);
            items.Add(new ThreadItemDto(roots[i], unread, page[i].Thread!.LastReplyAt));
        }
        return new ThreadListDto(items, start + limit < ordered.Count ? page[^1].Id : null);
    }

    /// <summary>
    /// Marks the thread read up to its root or one of its replies (404 for any other message); the caller's other
    /// connections hear <c>messagesRead</c> with the thread.
    /// </summary>
    public async Task<Outcome<ReadStateDto>> MarkReadAsync(string callerId, MarkReadRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("with", request.With, "groupId", request.GroupId);
        var peerId = rules.Id("with", request.With, required: false);
        var groupId = rules.Id("groupId", request.GroupId, required: false);
        var threadId = rules.Id("threadId", request.ThreadId);
        var upTo = rules.Id("upTo", request.UpTo);
        rules.ThrowIfAny();

        var (conversationId, _) = await messages.ResolveConversationAsync(callerId, peerId, groupId, ct);
        var message = await store.FindByIdAsync(upTo!, ct);
        if (message is null || message.ConversationId != conversationId || (message.Id != threadId && message.ThreadId != threadId))
        {
            throw ProblemException.NotFound("No such message in this thread.");
        }

        var marker = await threads.AdvanceReadAsync(callerId, threadId!, upTo!, ct) ?? upTo!;
        var unread = await threads.CountUnreadAsync(conversationId, threadId!, callerId, marker, ct);
        var read = new MessagesReadDto(conversationId, callerId, marker) { ThreadId = threadId };
        return new(new ReadStateDto(conversationId, marker, unread) { ThreadId = threadId }, [new SendToUser(callerId, ChatHub.MessagesRead, read)]);
    }
}
