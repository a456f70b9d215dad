using System.Text.Json;
using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Search;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteMessageStore(SqliteConnectionFactory factory, SqliteWriter writer, SqliteChangeLog changes) : IMessageStore
{
    internal const string Columns =
        "id, conversation_id, sender_id, receiver_id, group_id, content, created_at, edited_at, deleted, client_message_id, reply_to_id, mentions, deleted_by, " +
        "thread_id, in_conversation, thread_replies, thread_last_reply_at, thread_participants, links, system_notice";

    internal const string PrefixedColumns =
        "m.id, m.conversation_id, m.sender_id, m.receiver_id, m.group_id, m.content, m.created_at, m.edited_at, m.deleted, m.client_message_id, m.reply_to_id, m.mentions, m.deleted_by, " +
        "m.thread_id, m.in_conversation, m.thread_replies, m.thread_last_reply_at, m.thread_participants, m.links, m.system_notice";

    private const string InsertSql = """
        INSERT INTO messages (id, conversation_id, sender_id, receiver_id, group_id, content, created_at, edited_at, deleted, client_message_id, reply_to_id, mentions,
            thread_id, in_conversation, system_notice)
        VALUES (@id, @conversationId, @senderId, @receiverId, @groupId, @content, @createdAt, @editedAt, @deleted, @clientMessageId, @replyToId, @mentions,
            @threadId, @inConversation, @system)
        ON CONFLICT (conversation_id, sender_id, client_message_id) WHERE client_message_id IS NOT NULL DO NOTHING
        """;

    // The primary key finds an existing row in one lookup: a sender's later messages write nothing here.
    private const string SpeakerInsertSql = "INSERT OR IGNORE INTO conversation_speakers (conversation_id, user_id) VALUES (@conversationId, @senderId)";

    private const string MentionsInsertSql = """
        INSERT OR IGNORE INTO message_mentions (conversation_id, user_id, message_id)
        SELECT @conversationId, value, @id FROM json_each(@mentions)
        """;

    internal const string CountMentionsSql = """
        SELECT COUNT(*) FROM message_mentions
        WHERE conversation_id = @conversationId AND user_id = @userId AND message_id > @after
        """;

    // The reply's write adds it to its root: one more, the latest time, and its sender once among the repliers.
    private const string AddReplySql = """
        UPDATE messages SET
            thread_replies = thread_replies + 1,
            thread_last_reply_at = MAX(COALESCE(thread_last_reply_at, 0), @at),
            thread_participants = CASE
                WHEN EXISTS (SELECT 1 FROM json_each(COALESCE(thread_participants, '[]')) WHERE value = @senderId) THEN thread_participants
                ELSE json_insert(COALESCE(thread_participants, '[]'), '$[#]', @senderId) END
        WHERE id = @threadId AND conversation_id = @conversationId AND thread_id IS NULL
        """;

    // The root's sender, the reply's sender and those it mentions take part in the thread from now on.
    private const string AddThreadMembersSql = """
        INSERT OR IGNORE INTO thread_members (user_id, root_id, conversation_id)
        SELECT value, @threadId, @conversationId FROM json_each(@members)
        UNION SELECT sender_id, id, conversation_id FROM messages WHERE id = @threadId AND conversation_id = @conversationId
        """;

    /// <summary>Thread pages: a range on ix_messages_thread_id, oldest first.</summary>
    private const string ThreadPageSql = $"""
        SELECT {Columns} FROM messages
        WHERE thread_id = @threadId AND id > @after AND conversation_id = @conversationId
        ORDER BY thread_id, id
        LIMIT @limit
        """;

    private const string FindByClientIdSql = $"""
        SELECT {Columns} FROM messages
        WHERE conversation_id = @conversationId AND sender_id = @senderId AND client_message_id = @clientMessageId
        """;

    /// <summary>History pages: a range on ix_messages_conversation_id read backwards, no sort step.</summary>
    internal const string PageSql = $"""
        SELECT {Columns} FROM messages
        WHERE conversation_id = @conversationId AND id < @before AND in_conversation = 1
        ORDER BY id DESC
        LIMIT @limit
        """;

    internal const string CountUnreadSql = """
        SELECT COUNT(*) FROM messages
        WHERE conversation_id = @conversationId AND id > @after AND sender_id <> @userId AND deleted = 0 AND in_conversation = 1 AND system_notice IS NULL
        """;

    // Above every ObjectId in hex, so one statement serves the first page and later ones.
    private const string NoCursor = "g";

    public Task<(MessageRecord Message, bool Created, ChangeRecord? Change)> InsertAsync(MessageRecord message, CancellationToken ct)
    {
        var stored = message with
        {
            Id = StorageIds.Require(message.Id, nameof(message)),
            SenderId = StorageIds.Require(message.SenderId, nameof(message)),
            ReceiverId = StorageIds.RequireOptional(message.ReceiverId, nameof(message)),
            GroupId = StorageIds.RequireOptional(message.GroupId, nameof(message)),
            ReplyToId = StorageIds.RequireOptional(message.ReplyToId, nameof(message)),
            ThreadId = StorageIds.RequireOptional(message.ThreadId, nameof(message)),
            InConversation = message.ThreadId is null || message.InConversation,
            Thread = null,
            Links = [],
            Mentions = message.Mentions.Select(m => StorageIds.Require(m, nameof(message))).ToList(),
        };
        var mentions = MentionsJson(stored.Mentions);
        // A system message's text is a fallback for clients that do not render notices: search leaves it out.
        var words = stored.Deleted || stored.System is not null ? null : SearchText.IndexDocument(stored.Content);
        var system = stored.System is null ? null : JsonSerializer.Serialize(stored.System, SqliteJsonContext.Default.SystemNotice);
        // The message, its search entry, its mentions and its conversation's latest land together, in the writer's batch.
        return writer.ExecuteAtomicAsync<(MessageRecord, bool, ChangeRecord?)>(w =>
        {
            var inserted = w.Execute(InsertSql, p => p
                .Bind("@id", stored.Id)
                .Bind("@conversationId", stored.ConversationId)
                .Bind("@senderId", stored.SenderId)
                .Bind("@receiverId", stored.ReceiverId)
                .Bind("@groupId", stored.GroupId)
                .Bind("@content", stored.Content)
                .BindTime("@createdAt", stored.CreatedAt)
                .BindTime("@editedAt", stored.EditedAt)
                .Bind("@deleted", stored.Deleted)
                .Bind("@clientMessageId", stored.ClientMessageId)
                .Bind("@replyToId", stored.ReplyToId)
                .Bind("@mentions", mentions)
                .Bind("@threadId", stored.ThreadId)
                .Bind("@inConversation", stored.InConversation)
                .Bind("@system", system));
            if (inserted == 1)
            {
                if (words is not null)
                {
                    w.IndexLater(w.LastInsertRowId, words);
                }
                // A reply kept in its thread counts for no one's unread mentions of the conversation.
                if (mentions is not null && stored.InConversation)
                {
                    w.Execute(MentionsInsertSql, p => p.Bind("@conversationId", stored.ConversationId).Bind("@id", stored.Id).Bind("@mentions", mentions));
                }
                if (stored.ThreadId is not null)
                {
                    w.Execute(AddReplySql, p => p
                        .Bind("@threadId", stored.ThreadId)
                        .Bind("@conversationId", stored.ConversationId)
                        .Bind("@senderId", stored.SenderId)
                        .BindTime("@at", stored.CreatedAt));
                    w.Execute(AddThreadMembersSql, p => p
                        .Bind("@threadId", stored.ThreadId)
                        .Bind("@conversationId", stored.ConversationId)
                        .Bind("@members", JsonSerializer.Serialize(stored.Mentions.Prepend(stored.SenderId).ToList(), SqliteJsonContext.Default.ListString)));
                }
                // A group change or a call is no taking part in the conversation (which makes a user reachable).
                if (stored.System is null)
                {
                    w.Execute(SpeakerInsertSql, p => p.Bind("@conversationId", stored.ConversationId).Bind("@senderId", stored.SenderId));
                }
                var change = changes.Append(w, stored.ConversationId, ChatHub.NewMessage, stored.Id);
                if (stored.InConversation)
                {
                    SqliteConversationStore.Touch(w, ConversationRecord.LatestOf(stored));
                }
                return (stored with { CreatedAt = Truncate(stored.CreatedAt), EditedAt = stored.EditedAt is { } e ? Truncate(e) : null }, true, change);
            }
            var existing = w.QuerySingle(FindByClientIdSql, p => p
                .Bind("@conversationId", stored.ConversationId)
                .Bind("@senderId", stored.SenderId)
                .Bind("@clientMessageId", stored.ClientMessageId), Map);
            if (existing is null)
            {
                throw new InvalidOperationException("A conflicting message vanished inside its transaction.");
            }
            if (existing.InConversation)
            {
                SqliteConversationStore.Touch(w, ConversationRecord.LatestOf(existing));
            }
            return (existing, false, changes.FindCreation(w, existing));
        }, ct);
    }

    public Task<MessageRecord?> FindByIdAsync(string id, CancellationToken ct) =>
        StorageIds.TryNormalize(id, out var normalized)
            ? factory.QuerySingleAsync($"SELECT {Columns} FROM messages WHERE id = @id", p => p.Bind("@id", normalized), Map, ct)
            : Task.FromResult<MessageRecord?>(null);

    public async Task<IReadOnlyList<MessageRecord>> GetPageAsync(string conversationId, string? beforeId, int limit, CancellationToken ct)
    {
        string? before = NoCursor;
        if (limit <= 0 || (beforeId is not null && !StorageIds.TryNormalize(beforeId, out before)))
        {
            return [];
        }
        return await factory.QueryAsync(PageSql, p => p
            .Bind("@conversationId", conversationId)
            .Bind("@before", before)
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MessageRecord>> GetThreadPageAsync(string conversationId, string rootId, string? afterId, int limit, CancellationToken ct)
    {
        // Below every ObjectId in hex: the first page.
        var after = "";
        if (limit <= 0 || !StorageIds.TryNormalize(rootId, out var root) || (afterId is not null && !StorageIds.TryNormalize(afterId, out after)))
        {
            return [];
        }
        return await factory.QueryAsync(ThreadPageSql, p => p
            .Bind("@threadId", root)
            .Bind("@conversationId", conversationId)
            .Bind("@after", after)
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(string conversationId, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(
            $"SELECT {Columns} FROM messages WHERE conversation_id = @conversationId AND id IN (SELECT value FROM json_each(@ids))",
            p => p.Bind("@conversationId", conversationId).BindList("@ids", StorageIds.NormalizeAll(ids)), Map, ct).ConfigureAwait(false);
    }

    // The text being replaced becomes the newest earlier version; beyond the kept number the oldest go.
    private const string KeepEditSql = """
        INSERT INTO message_edits (message_id, seq, content, edited_at)
        SELECT id, COALESCE((SELECT MAX(seq) FROM message_edits WHERE message_id = @id), 0) + 1, content, COALESCE(edited_at, created_at)
        FROM messages WHERE id = @id AND deleted = 0
        """;

    private const string TrimEditsSql = """
        DELETE FROM message_edits WHERE message_id = @id AND seq <= (SELECT MAX(seq) FROM message_edits WHERE message_id = @id) - @kept
        """;

    private const string DeleteMentionsSql = """
        DELETE FROM message_mentions
        WHERE conversation_id = @conversationId AND message_id = @id AND user_id IN (SELECT value FROM json_each(@mentions))
        """;

    public Task<Changed<MessageRecord>?> UpdateContentAsync(string id, string content, IReadOnlyList<string> mentions, DateTimeOffset editedAt, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return Task.FromResult<Changed<MessageRecord>?>(null);
        }
        var mentionsJson = MentionsJson(mentions.Select(m => StorageIds.Require(m, nameof(mentions))).ToList());
        // The kept version, the message, its search entry, its mentions and its change-log entry go together.
        return writer.ExecuteAtomicAsync(w =>
        {
            var before = w.QuerySingle($"SELECT {Columns} FROM messages WHERE id = @id AND deleted = 0", p => p.Bind("@id", normalized), Map);
            if (before is null)
            {
                return null;
            }
            w.Execute(KeepEditSql, p => p.Bind("@id", normalized));
            w.Execute(TrimEditsSql, p => p.Bind("@id", normalized).Bind("@kept", MessageEditRecord.MaxKept));
            var updated = w.QuerySingle(
                $"UPDATE messages SET content = @content, edited_at = @editedAt, mentions = @mentions WHERE id = @id RETURNING {Columns}",
                p => p.Bind("@id", normalized).Bind("@content", content).BindTime("@editedAt", editedAt).Bind("@mentions", mentionsJson), Map)!;
            // The edited text replaces the old one in the index: the old words find nothing any more.
            w.Execute("UPDATE message_search SET words = @words WHERE rowid = (SELECT rowid FROM messages WHERE id = @id)",
                p => p.Bind("@words", SearchText.IndexDocument(updated.Content)).Bind("@id", normalized));
            if (MentionsJson(before.Mentions) is { } old)
            {
                w.Execute(DeleteMentionsSql, p => p.Bind("@conversationId", updated.ConversationId).Bind("@id", normalized).Bind("@mentions", old));
            }
            if (mentionsJson is not null && updated.InConversation)
            {
                w.Execute(MentionsInsertSql, p => p.Bind("@conversationId", updated.ConversationId).Bind("@id", normalized).Bind("@mentions", mentionsJson));
            }
            return new Changed<MessageRecord>(updated, changes.Append(w, updated.ConversationId, ChatHub.MessageUpdated, updated.Id));
        }, ct);
    }

    public async Task<IReadOnlyList<MessageEditRecord>> ListEditsAsync(string id, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return [];
        }
        return await factory.QueryAsync("SELECT content, edited_at FROM message_edits WHERE message_id = @id ORDER BY seq",
            p => p.Bind("@id", normalized), r => new MessageEditRecord(r.GetString(0), r.GetTime(1)), ct).ConfigureAwait(false);
    }

    public Task<Changed<MessageRecord>?> MarkDeletedAsync(string id, DateTimeOffset at, CancellationToken ct, string? deletedBy = null)
    {
        if (!StorageIds.TryNormalize(id, out var normalized))
        {
            return Task.FromResult<Changed<MessageRecord>?>(null);
        }
        // The message, its search entry, its reactions, its mentions, its history, its pin and its change-log entry go together.
        return writer.ExecuteAtomicAsync(w =>
        {
            var updated = w.QuerySingle(
                $"UPDATE messages SET deleted = 1, content = '', edited_at = @at, deleted_by = COALESCE(deleted_by, @deletedBy) WHERE id = @id RETURNING {Columns}",
                p => p.Bind("@id", normalized).BindTime("@at", at).Bind("@deletedBy", deletedBy), Map);
            if (updated is null)
            {
                return null;
            }
            w.Execute("DELETE FROM message_search WHERE rowid = (SELECT rowid FROM messages WHERE id = @id)", p => p.Bind("@id", normalized));
            w.Execute("DELETE FROM reactions WHERE message_id = @id", p => p.Bind("@id", normalized));
            w.Execute(DeleteMentionsSql, p => p.Bind("@conversationId", updated.ConversationId).Bind("@id", normalized).Bind("@mentions", MentionsJson(updated.Mentions) ?? "[]"));
            w.Execute("DELETE FROM message_edits WHERE message_id = @id", p => p.Bind("@id", normalized));
            w.Execute("DELETE FROM pins WHERE conversation_id = @conversationId AND message_id = @id", p => p.Bind("@conversationId", updated.ConversationId).Bind("@id", normalized));
            return new Changed<MessageRecord>(updated, changes.Append(w, updated.ConversationId, ChatHub.MessageDeleted, updated.Id));
        }, ct);
    }

    public async Task<IReadOnlyList<MessageRecord>> FindByIdsAsync(IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var normalized = ids.Select(id => StorageIds.TryNormalize(id, out var n) ? n : null).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (normalized.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync($"SELECT {Columns} FROM messages WHERE id IN (SELECT value FROM json_each(@ids))",
            p => p.BindList("@ids", normalized), Map, ct).ConfigureAwait(false);
    }

    public async Task<long> CountUnreadMentionsAsync(string conversationId, string userId, string? afterId, CancellationToken ct)
    {
        var after = "";
        if ((afterId is not null && !StorageIds.TryNormalize(afterId, out after)) || !StorageIds.TryNormalize(userId, out var user))
        {
            return 0;
        }
        return await factory.ScalarAsync<long>(CountMentionsSql, p => p
            .Bind("@conversationId", conversationId)
            .Bind("@userId", user)
            .Bind("@after", after), ct).ConfigureAwait(false);
    }

    private static string? MentionsJson(IReadOnlyList<string> mentions) =>
        mentions.Count == 0 ? null : JsonSerializer.Serialize(mentions, SqliteJsonContext.Default.IEnumerableString);

    public async Task<long> CountUnreadAsync(string conversationId, string userId, string? afterId, CancellationToken ct)
    {
        // Below every ObjectId in hex: counts the whole conversation.
        var after = "";
        if (afterId is not null && !StorageIds.TryNormalize(afterId, out after))
        {
            return 0;
        }
        return await factory.ScalarAsync<long>(CountUnreadSql, p => p
            .Bind("@conversationId", conversationId)
            .Bind("@after", after)
            .Bind("@userId", StorageIds.TryNormalize(userId, out var user) ? user : userId), ct).ConfigureAwait(false);
    }

    private static DateTimeOffset Truncate(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    internal static MessageRecord Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        r.GetStringOrNull(3),
        r.GetStringOrNull(4),
        r.GetString(5),
        r.GetTime(6),
        r.GetTimeOrNull(7),
        r.GetBoolean(8),
        r.GetStringOrNull(9),
        r.GetStringOrNull(10),
        r.IsDBNull(11) ? null : JsonSerializer.Deserialize(r.GetString(11), SqliteJsonContext.Default.ListString))
    {
        DeletedBy = r.GetStringOrNull(12),
        ThreadId = r.GetStringOrNull(13),
        InConversation = r.GetBoolean(14),
        Thread = r.GetInt64(15) == 0 ? null : new ThreadSummary(
            r.GetInt64(15),
            r.GetTime(16),
            r.IsDBNull(17) ? [] : JsonSerializer.Deserialize(r.GetString(17), SqliteJsonContext.Default.ListString) ?? []),
        Links = r.IsDBNull(18) ? [] : JsonSerializer.Deserialize(r.GetString(18), SqliteJsonContext.Default.ListLinkPreviewRecord) ?? [],
        System = r.IsDBNull(19) ? null : JsonSerializer.Deserialize(r.GetString(19), SqliteJsonContext.Default.SystemNotice),
    };
}
