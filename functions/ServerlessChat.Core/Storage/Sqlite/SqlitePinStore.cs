using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Pins on SQLite: the check of the message, the count against the cap, the pin and its change-log entry are one
/// writer operation, so pins racing for the last places can never pass the cap.
/// </summary>
internal sealed class SqlitePinStore(SqliteConnectionFactory factory, SqliteWriter writer, SqliteChangeLog changes) : IPinStore
{
    private const string Columns = "conversation_id, message_id, pinned_by, pinned_at";

    public Task<(PinChange Outcome, ChangeRecord? Change)> PinAsync(PinRecord pin, int maxPerConversation, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(pin.MessageId, out var messageId))
        {
            return Task.FromResult<(PinChange, ChangeRecord?)>((PinChange.NoMessage, null));
        }
        var pinnedBy = StorageIds.Require(pin.PinnedBy, nameof(pin));
        return writer.ExecuteAtomicAsync<(PinChange, ChangeRecord?)>(w =>
        {
            var deleted = w.QuerySingle("SELECT deleted FROM messages WHERE id = @id AND conversation_id = @conversationId",
                p => p.Bind("@id", messageId).Bind("@conversationId", pin.ConversationId), r => (bool?)r.GetBoolean(0));
            if (deleted is not { } isDeleted)
            {
                return (PinChange.NoMessage, null);
            }
            if (isDeleted)
            {
                return (PinChange.MessageDeleted, null);
            }
            var pinned = w.QuerySingle("SELECT COUNT(*), COALESCE(SUM(message_id = @id), 0) FROM pins WHERE conversation_id = @conversationId",
                p => p.Bind("@id", messageId).Bind("@conversationId", pin.ConversationId), r => (Count: r.GetInt64(0), This: r.GetInt64(1)));
            if (pinned.This > 0)
            {
                return (PinChange.Unchanged, null);
            }
            if (pinned.Count >= maxPerConversation)
            {
                return (PinChange.Full, null);
            }
            w.Execute($"INSERT INTO pins ({Columns}) VALUES (@conversationId, @id, @pinnedBy, @pinnedAt)", p => p
                .Bind("@conversationId", pin.ConversationId)
                .Bind("@id", messageId)
                .Bind("@pinnedBy", pinnedBy)
                .BindTime("@pinnedAt", pin.PinnedAt));
            return (PinChange.Pinned, changes.Append(w, pin.ConversationId, ChatHub.MessageUpdated, messageId));
        }, ct);
    }

    public Task<(PinChange Outcome, ChangeRecord? Change)> UnpinAsync(string conversationId, string messageId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var id))
        {
            return Task.FromResult<(PinChange, ChangeRecord?)>((PinChange.Unchanged, null));
        }
        return writer.ExecuteAtomicAsync<(PinChange, ChangeRecord?)>(w =>
            w.Execute("DELETE FROM pins WHERE conversation_id = @conversationId AND message_id = @id", p => p.Bind("@conversationId", conversationId).Bind("@id", id)) == 0
                ? (PinChange.Unchanged, null)
                : (PinChange.Unpinned, changes.Append(w, conversationId, ChatHub.MessageUpdated, id)), ct);
    }

    public async Task<IReadOnlyList<PinRecord>> ListAsync(string conversationId, CancellationToken ct) =>
        await factory.QueryAsync($"SELECT {Columns} FROM pins WHERE conversation_id = @conversationId ORDER BY pinned_at DESC, message_id DESC",
            p => p.Bind("@conversationId", conversationId), Map, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<PinRecord>> FindAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var ids = StorageIds.NormalizeAll(messageIds);
        if (conversationIds.Count == 0 || ids.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync($"""
            SELECT {Columns} FROM pins
            WHERE conversation_id IN (SELECT value FROM json_each(@conversationIds)) AND message_id IN (SELECT value FROM json_each(@ids))
            """, p => p.BindList("@conversationIds", conversationIds).BindList("@ids", ids), Map, ct).ConfigureAwait(false);
    }

    private static PinRecord Map(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetTime(3));
}
