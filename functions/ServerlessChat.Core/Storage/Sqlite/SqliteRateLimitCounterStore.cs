namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteRateLimitCounterStore(SqliteWriter writer) : IRateLimitCounterStore
{
    // One statement: a new key starts at 1, the same window counts up, any other window starts over at 1.
    private const string IncrementSql = """
        INSERT INTO rate_limits ("key", window_end, "count") VALUES (@key, @windowEnd, 1)
        ON CONFLICT ("key") DO UPDATE SET
            "count" = CASE WHEN rate_limits.window_end = excluded.window_end THEN rate_limits."count" + 1 ELSE 1 END,
            window_end = excluded.window_end
        RETURNING "count"
        """;

    public Task<long> IncrementAsync(string key, DateTimeOffset windowEnd, CancellationToken ct) =>
        writer.ExecuteAsync(
            w => w.QuerySingle(IncrementSql, p => p.Bind("@key", key).BindTime("@windowEnd", windowEnd), r => r.GetInt64(0)),
            ct);
}
