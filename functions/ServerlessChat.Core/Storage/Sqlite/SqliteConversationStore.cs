using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteConversationStore(SqliteConnectionFactory factory, SqliteWriter writer, SqliteChangeLog changes) : IConversationStore
{
    private const string Columns = "conversation_id, participant_a, participant_b, group_id, last_message_id, updated_at";

    // ObjectIds in hex sort by creation, so "newer" is a text comparison.
    private const string TouchSql = """
        INSERT INTO conversations (conversation_id, participant_a, participant_b, group_id, last_message_id, updated_at)
        VALUES (@conversationId, @participantA, @participantB, @groupId, @lastMessageId, @updatedAt)
        ON CONFLICT (conversation_id) DO UPDATE
            SET last_message_id = excluded.last_message_id, updated_at = excluded.updated_at
            WHERE excluded.last_message_id > conversations.last_message_id
        """;

    // An OR across participant_a, participant_b and group_id would scan; each branch here is an index range,
    // limited before the final sort of at most 2 * limit + groups rows.
    internal const string ListSql = $"""
        SELECT {Columns} FROM (
            SELECT * FROM (SELECT {Columns} FROM conversations WHERE participant_a = @userId ORDER BY updated_at DESC LIMIT @limit)
            UNION ALL
            SELECT * FROM (SELECT {Columns} FROM conversations WHERE participant_b = @userId ORDER BY updated_at DESC LIMIT @limit)
            UNION ALL
            SELECT {Columns} FROM conversations WHERE group_id IN (SELECT value FROM json_each(@groupIds)))
        ORDER BY updated_at DESC, last_message_id DESC
        LIMIT @limit
        """;

    private const string AdvanceSql = """
        INSERT INTO read_markers (conversation_id, user_id, up_to) VALUES (@conversationId, @userId, @upTo)
        ON CONFLICT (conversation_id, user_id) DO UPDATE SET up_to = max(read_markers.up_to, excluded.up_to)
        RETURNING up_to
        """;

    public Task TouchAsync(ConversationRecord conversation, CancellationToken ct) =>
        writer.ExecuteAsync(w => Touch(w, conversation), ct);

    /// <summary>The write of <see cref="TouchAsync"/>; the message store runs it in the insert's transaction.</summary>
    internal static int Touch(SqliteWriteContext w, ConversationRecord conversation)
    {
        var participants = StorageGuards.Participants(conversation);
        var groupId = StorageIds.RequireOptional(conversation.GroupId, nameof(conversation));
        var lastMessageId = StorageIds.Require(conversation.LastMessageId, nameof(conversation));
        return w.Execute(TouchSql, p => p
            .Bind("@conversationId", conversation.ConversationId)
            .Bind("@participantA", participants.ElementAtOrDefault(0))
            .Bind("@participantB", participants.ElementAtOrDefault(1))
            .Bind("@groupId", groupId)
            .Bind("@lastMessageId", lastMessageId)
            .BindTime("@updatedAt", conversation.UpdatedAt));
    }

    public Task<ConversationRecord?> FindAsync(string conversationId, CancellationToken ct) =>
        factory.QuerySingleAsync(
            $"SELECT {Columns} FROM conversations WHERE conversation_id = @conversationId",
            p => p.Bind("@conversationId", conversationId), Map, ct);

    public async Task<IReadOnlyList<ConversationRecord>> ListAsync(string userId, IReadOnlyCollection<string> groupIds, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        // An invalid user id matches no participant, but the user's groups still count.
        var user = StorageIds.TryNormalize(userId, out var normalized) ? normalized : "";
        return await factory.QueryAsync(ListSql, p => p
            .Bind("@userId", user)
            .BindList("@groupIds", StorageIds.NormalizeAll(groupIds))
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public Task<(string UpTo, ChangeRecord? Change)> AdvanceReadMarkerAsync(string conversationId, string userId, string upTo, CancellationToken ct)
    {
        var user = StorageIds.Require(userId);
        var marker = StorageIds.Require(upTo);
        return writer.ExecuteAtomicAsync<(string, ChangeRecord?)>(w =>
        {
            var before = w.QuerySingle(
                "SELECT up_to FROM read_markers WHERE conversation_id = @conversationId AND user_id = @userId",
                p => p.Bind("@conversationId", conversationId).Bind("@userId", user), r => r.GetString(0));
            var stored = w.QuerySingle(AdvanceSql, p => p
                .Bind("@conversationId", conversationId)
                .Bind("@userId", user)
                .Bind("@upTo", marker), r => r.GetString(0))!;
            var moved = before is null || string.CompareOrdinal(stored, before) > 0;
            if (!moved)
            {
                return (stored, null);
            }
            var change = changes.Append(w, conversationId, ChatHub.MessagesRead, user);
            w.Execute("UPDATE read_markers SET read_at = @at WHERE conversation_id = @conversationId AND user_id = @userId",
                p => p.Bind("@at", change.At).Bind("@conversationId", conversationId).Bind("@userId", user));
            return (stored, change);
        }, ct);
    }

    public async Task<IReadOnlyList<ReadMarkerRecord>> ListReadMarkersAsync(string conversationId, CancellationToken ct) =>
        await factory.QueryAsync(
            "SELECT user_id, up_to, read_at FROM read_markers WHERE conversation_id = @conversationId",
            p => p.Bind("@conversationId", conversationId),
            r => new ReadMarkerRecord(r.GetString(0), r.GetString(1), r.GetTimeOrNull(2)), ct).ConfigureAwait(false);

    public async Task<IReadOnlyDictionary<string, string>> GetReadMarkersAsync(string conversationId, CancellationToken ct)
    {
        var rows = await factory.QueryAsync(
            "SELECT user_id, up_to FROM read_markers WHERE conversation_id = @conversationId",
            p => p.Bind("@conversationId", conversationId),
            r => (UserId: r.GetString(0), UpTo: r.GetString(1)), ct).ConfigureAwait(false);
        return rows.ToDictionary(row => row.UserId, row => row.UpTo, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> GetReadMarkersAsync(IReadOnlyCollection<string> conversationIds, CancellationToken ct)
    {
        if (conversationIds.Count == 0)
        {
            return new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        }
        var rows = await factory.QueryAsync(
            "SELECT conversation_id, user_id, up_to FROM read_markers WHERE conversation_id IN (SELECT value FROM json_each(@conversations))",
            p => p.BindList("@conversations", conversationIds.Distinct(StringComparer.Ordinal)),
            r => (ConversationId: r.GetString(0), UserId: r.GetString(1), UpTo: r.GetString(2)), ct).ConfigureAwait(false);
        return rows.GroupBy(row => row.ConversationId, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, string>)g.ToDictionary(row => row.UserId, row => row.UpTo, StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<ConversationSpeaker>> FindSpeakersAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> userIds, CancellationToken ct)
    {
        var users = StorageIds.NormalizeAll(userIds);
        if (conversationIds.Count == 0 || users.Count == 0)
        {
            return [];
        }
        // One primary-key lookup per (conversation, user) pair.
        return await factory.QueryAsync(
            """
            SELECT conversation_id, user_id FROM conversation_speakers
            WHERE conversation_id IN (SELECT value FROM json_each(@conversations)) AND user_id IN (SELECT value FROM json_each(@users))
            """,
            p => p.BindList("@conversations", conversationIds.Distinct(StringComparer.Ordinal)).BindList("@users", users),
            r => new ConversationSpeaker(r.GetString(0), r.GetString(1)), ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListSpokenInAsync(string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(userId, out var user))
        {
            return [];
        }
        // ix_conversation_speakers_user_id: the user's rows only, already in conversation order.
        return await factory.QueryAsync(
            "SELECT conversation_id FROM conversation_speakers WHERE user_id = @userId ORDER BY conversation_id",
            p => p.Bind("@userId", user), r => r.GetString(0), ct).ConfigureAwait(false);
    }

    private static ConversationRecord Map(SqliteDataReader r)
    {
        var a = r.GetStringOrNull(1);
        var b = r.GetStringOrNull(2);
        return new ConversationRecord(
            r.GetString(0),
            a is not null && b is not null ? [a, b] : [],
            r.GetStringOrNull(3),
            r.GetString(4),
            r.GetTime(5));
    }
}
