using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Reactions through the single writer: each add checks the message and the distinct-emoji cap and inserts in
/// one step of the batch, so any number of concurrent reactions are all counted and the cap holds exactly.
/// </summary>
internal sealed class SqliteReactionStore(SqliteConnectionFactory factory, SqliteWriter writer) : IReactionStore
{
    public Task<ReactionChange> AddAsync(string conversationId, string messageId, string emoji, string userId, int maxDistinctEmoji, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var message))
        {
            return Task.FromResult(ReactionChange.NoMessage);
        }
        var user = StorageIds.Require(userId, nameof(userId));
        return writer.ExecuteAsync(w =>
        {
            var deleted = w.QuerySingle("SELECT deleted FROM messages WHERE id = @id AND conversation_id = @conversationId",
                p => p.Bind("@id", message).Bind("@conversationId", conversationId), r => (bool?)r.GetBoolean(0));
            if (deleted is null)
            {
                return ReactionChange.NoMessage;
            }
            if (deleted == true)
            {
                return ReactionChange.MessageDeleted;
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
                return ReactionChange.Unchanged;
            }
            if (!state.Known && state.Distinct >= maxDistinctEmoji)
            {
                return ReactionChange.TooManyEmoji;
            }
            w.Execute("INSERT INTO reactions (message_id, emoji, user_id) VALUES (@id, @emoji, @user)",
                p => p.Bind("@id", message).Bind("@emoji", emoji).Bind("@user", user));
            return ReactionChange.Added;
        }, ct);
    }

    public Task<ReactionChange> RemoveAsync(string conversationId, string messageId, string emoji, string userId, CancellationToken ct)
    {
        if (!StorageIds.TryNormalize(messageId, out var message) || !StorageIds.TryNormalize(userId, out var user))
        {
            return Task.FromResult(ReactionChange.Unchanged);
        }
        return writer.ExecuteAsync(w => w.Execute(
            "DELETE FROM reactions WHERE message_id = @id AND emoji = @emoji AND user_id = @user",
            p => p.Bind("@id", message).Bind("@emoji", emoji).Bind("@user", user)) == 1 ? ReactionChange.Removed : ReactionChange.Unchanged, ct);
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
