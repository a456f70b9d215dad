using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Reactions through the single writer: each add checks the message and the distinct-emoji cap and inserts in
/// one step of the batch, so any number of concurrent reactions are all counted and the cap holds exactly. The
/// change-log entry is written in the same atomic step.
/// </summary>
internal sealed class SqliteReactionStore(SqliteConnectionFactory factory, SqliteWriter writer, SqliteChangeLog changes) : IReactionStore
{
    private static readonly (ReactionChange, ChangeRecord?) NoMessage = (ReactionChange.NoMessage, null);
    private static readonly (ReactionChange, ChangeRecord?) Unchanged = (ReactionChange.Unchanged, null);

    public Task<(ReactionChange Outcome, ChangeRecord? Change)> AddAsync(string conversationId, string messageId, string emoji, string userId, int maxDistinctEmoji, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var message))
        {
            return Task.FromResult(NoMessage);
        }
        var user = StorageIds.Require(userId, nameof(userId));
        return writer.ExecuteAtomicAsync<(ReactionChange, ChangeRecord?)>(w =>
        {
            var deleted = w.QuerySingle("SELECT deleted FROM messages WHERE id = @id AND conversation_id = @conversationId",
                p => p.Bind("@id", message).Bind("@conversationId", conversationId), r => (bool?)r.GetBoolean(0));
            if (deleted is null)
            {
                return NoMessage;
            }
            if (deleted == true)
            {
                return (ReactionChange.MessageDeleted, null);
            }
            var state = w.QuerySingle("""
                SELECT
                    EXISTS (SELECT 1 FROM reactions WHERE message_id = @id AND emoji = @emoji AND user_id = @user),
                    EXISTS (SELECT 1 FROM reactions WHERE message_id = @id AND emoji = @emoji),
                    (SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = @id)
                """, p => p.Bind("@id", message).Bind("@emoji", emoji).Bind("@user", user),
                r => (Mine: r.GetBoolean(0), Known: r.GetBoolean(1), Distinct: r.GetInt32(2)));
            if (state.Mine)
            {
                return Unchanged;
            }
            if (!state.Known && state.Distinct >= maxDistinctEmoji)
            {
                return (ReactionChange.TooManyEmoji, null);
            }
            w.Execute("INSERT INTO reactions (message_id, emoji, user_id) VALUES (@id, @emoji, @user)",
                p => p.Bind("@id", message).Bind("@emoji", emoji).Bind("@user", user));
            return (ReactionChange.Added, changes.Append(w, conversationId, ChatHub.ReactionsUpdated, message));
        }, ct);
    }

    public Task<(ReactionChange Outcome, ChangeRecord? Change)> RemoveAsync(string conversationId, string messageId, string emoji, string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var message) || !StorageIds.TryNormalize(userId, out var user))
        {
            return Task.FromResult(Unchanged);
        }
        return writer.ExecuteAtomicAsync<(ReactionChange, ChangeRecord?)>(w =>
        {
            // The message's conversation scopes the delete, so a wrong conversation removes (and records) nothing.
            var removed = w.Execute("""
                DELETE FROM reactions WHERE message_id = @id AND emoji = @emoji AND user_id = @user
                AND EXISTS (SELECT 1 FROM messages WHERE id = @id AND conversation_id = @conversationId)
                """, p => p.Bind("@id", message).Bind("@emoji", emoji).Bind("@user", user).Bind("@conversationId", conversationId));
            return removed == 1 ? (ReactionChange.Removed, changes.Append(w, conversationId, ChatHub.ReactionsUpdated, message)) : Unchanged;
        }, ct);
    }

    public async Task<IReadOnlyList<ReactionRecord>> ListAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyCollection<string> messageIds, CancellationToken ct)
    {
        var ids = messageIds.Select(id => StorageIds.TryNormalize(id, out var n) ? n : null).OfType<string>().ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        // A range of ux_reactions per message; then in the order they were made.
        return await factory.QueryAsync("""
            SELECT message_id, emoji, user_id, seq FROM reactions
            WHERE message_id IN (SELECT value FROM json_each(@ids))
            ORDER BY seq
            """, p => p.BindList("@ids", ids), Map, ct).ConfigureAwait(false);
    }

    private static ReactionRecord Map(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3));
}
