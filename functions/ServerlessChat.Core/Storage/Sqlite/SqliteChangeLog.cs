using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;

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

    private const string FindCreationSql = """
        SELECT conversation_id, seq, at, type, entity_id FROM changes
        WHERE conversation_id = @conversationId AND at >= @from AND entity_id = @entityId AND type = @type
        ORDER BY at LIMIT 1
        """;

    // One index range per conversation (ux_changes_conversation_at), each cut at its own limit-th entry first, so
    // a busy conversation adds at most a page to the sort however far behind its bound is.
    private const string ReadSql = """
        WITH bounds AS MATERIALIZED (
            SELECT json_extract(b.value, '$[0]') AS conversation_id, json_extract(b.value, '$[1]') AS after,
                ifnull((SELECT x.at FROM changes x
                        WHERE x.conversation_id = json_extract(b.value, '$[0]') AND x.at > json_extract(b.value, '$[1]')
                        ORDER BY x.at LIMIT 1 OFFSET @limit - 1), 9223372036854775807) AS up_to
            FROM json_each(@bounds) b)
        SELECT c.conversation_id, c.seq, c.at, c.type, c.entity_id
        FROM bounds CROSS JOIN changes c
        WHERE c.conversation_id = bounds.conversation_id AND c.at > bounds.after AND c.at <= bounds.up_to
        ORDER BY c.at, c.conversation_id
        LIMIT @limit
        """;

    private const string FindSql = """
        SELECT c.conversation_id, c.seq, c.at, c.type, c.entity_id
        FROM json_each(@keys) k CROSS JOIN changes c
        WHERE c.conversation_id = json_extract(k.value, '$[0]') AND c.seq = json_extract(k.value, '$[1]')
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

    /// <summary>
    /// The <c>newMessage</c> entry of a stored message, for a repeated send: its number was taken with the clock at
    /// or after the message's creation time, so it is the first such entry from there on (an index range on
    /// (conversation, time) that stops at it); null once retention removed it.
    /// </summary>
    public ChangeRecord? FindCreation(SqliteWriteContext w, MessageRecord message) =>
        w.QuerySingle(FindCreationSql, p => p
            .Bind("@conversationId", message.ConversationId)
            .Bind("@from", message.CreatedAt.ToUnixTimeMilliseconds() - ChangeRecord.CreationClockSlackMilliseconds)
            .Bind("@entityId", message.Id)
            .Bind("@type", ChatHub.NewMessage), r => new ChangeRecord(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4)));

    public Task<ChangeRecord> AppendAsync(string conversationId, string type, string entityId, CancellationToken ct) =>
        writer.ExecuteAtomicAsync(w => Append(w, conversationId, type, entityId), ct);

    public async Task<IReadOnlyList<ChangeRecord>> ReadAfterAsync(IReadOnlyDictionary<string, long> afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0 || afterAt.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(ReadSql, p => p
            .Bind("@bounds", PairsJson(afterAt.Select(b => (b.Key, b.Value))))
            .Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChangeRecord>> FindAsync(IReadOnlyCollection<(string ConversationId, long Seq)> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return [];
        }
        return await factory.QueryAsync(FindSql, p => p.Bind("@keys", PairsJson(keys.Distinct())), Map, ct).ConfigureAwait(false);
    }

    /// <summary>[[conversationId, number], ...]: one parameter whatever the count, so the statement stays cached.</summary>
    private static string PairsJson(IEnumerable<(string ConversationId, long Value)> pairs)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (conversationId, value) in pairs)
            {
                json.WriteStartArray();
                json.WriteStringValue(conversationId);
                json.WriteNumberValue(value);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public Task<int> PurgeAsync(DateTimeOffset before, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute("DELETE FROM changes WHERE at < @before", p => p.Bind("@before", before.ToUnixTimeMilliseconds())), ct);

    public async Task<IReadOnlyList<ChangeRecord>> ReadAllAfterAsync(long afterAt, int limit, CancellationToken ct)
    {
        if (limit <= 0)
        {
            return [];
        }
        // ix_changes_at: one index range.
        return await factory.QueryAsync(
            "SELECT conversation_id, seq, at, type, entity_id FROM changes WHERE at > @after ORDER BY at, conversation_id LIMIT @limit",
            p => p.Bind("@after", afterAt).Bind("@limit", limit), Map, ct).ConfigureAwait(false);
    }

    public async Task<string?> GetConsumerStateAsync(string consumer, CancellationToken ct) =>
        (await factory.QueryAsync("SELECT state FROM change_consumers WHERE name = @name", p => p.Bind("@name", consumer), r => r.GetString(0), ct)
            .ConfigureAwait(false)).SingleOrDefault();

    public Task SaveConsumerStateAsync(string consumer, string state, CancellationToken ct) =>
        writer.ExecuteAsync(w => w.Execute(
            "INSERT INTO change_consumers (name, state, updated_at) VALUES (@name, @state, @at) ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            p => p.Bind("@name", consumer).Bind("@state", state).Bind("@at", time.GetUtcNow().ToUnixTimeMilliseconds())), ct);

    private static ChangeRecord Map(SqliteDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4));
}
