using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// The change log on SQLite. Entity writes call <see cref="Append"/> inside their own writer operation, so the
/// change and the entry land in the same transaction; there is one writer, so the next sequence number is
/// simply the conversation's last plus one. The writer connection remembers each conversation's last entry
/// (<see cref="SqliteWriteContext.LastChanges"/>), so the table is read only for a conversation it has not
/// written since it opened, since a rollback, or since another connection wrote to the file. Entries commit in
/// order and are never pending.
/// </summary>
internal sealed class SqliteChangeLog(SqliteConnectionFactory factory, SqliteWriter writer, TimeProvider time) : IChangeLog
{
    private const string LastSql = "SELECT seq, at FROM changes WHERE conversation_id = @conversationId ORDER BY seq DESC LIMIT 1";

    private const string InsertSql = """
        INSERT INTO changes (conversation_id, seq, at, type, entity_id) VALUES (@conversationId, @seq, @at, @type, @entityId)
        """;

    private const string ReadSql = """
        SELECT conversation_id, seq, at, type, entity_id FROM changes
        WHERE conversation_id = @conversationId AND at > @after
        ORDER BY at
        LIMIT @limit
        """;

    private const string FindSql = """
        SELECT conversation_id, seq, at, type, entity_id FROM changes WHERE conversation_id = @conversationId AND seq = @seq
        """;

    /// <summary>Writes the next entry of the conversation on the writer connection; call it inside an atomic operation.</summary>
    public ChangeRecord Append(SqliteWriteContext w, string conversationId, string type, string entityId)
    {
        if (!w.LastChanges.TryGetValue(conversationId, out var last))
        {
            last = w.QuerySingle(LastSql, p => p.Bind("@conversationId", conversationId), r => (Seq: r.GetInt64(0), At: r.GetInt64(1)));
        }
        var change = new ChangeRecord(
            conversationId,
            last.Seq + 1,
            Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), last.At + 1),
            type,
            entityId);
        w.Execute(InsertSql, p => p
            .Bind("@conversationId", change.ConversationId)
            .Bind("@seq", change.Seq)
            .Bind("@at", change.At)
            .Bind("@type", change.Type)
            .Bind("@entityId", change.EntityId));
        w.LastChanges[conversationId] = (change.Seq, change.At);
        return change;
    }

    public Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w => Append(w, conversationId, type, entityId), ct);

    public async Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(string conversationId, long afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        return await factory.QueryAsync(ReadSql, p => p
            .Bind("@conversationId", conversationId)
            .Bind("@after", afterAt)
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<ChangeRecord?> FindAsync(string conversationId, long seq, CancellationToken ct)
    {
        var found = await factory.QueryAsync(FindSql, p => p
            .Bind("@conversationId", conversationId)
            .Bind("@seq", seq), Map, ct).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute("DELETE FROM changes WHERE at < @before", p => p.Bind("@before", before.ToUnixTimeMilliseconds())), ct);

    private static ChangeRecord Map(SqliteDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4));
}
