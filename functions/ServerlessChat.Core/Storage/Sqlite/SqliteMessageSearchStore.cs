using Microsoft.Data.Sqlite;
using System.Text;
using ServerlessChat.Core.Search;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Search on the FTS5 table message_search. The query is built from normalized terms only, each a quoted
/// prefix token, so no character of the user's text is ever an FTS operator. FTS5 yields matches in rowid
/// order (the order messages were stored) and the caller's conversations filter them, so the newest page stops
/// early instead of sorting every match.
/// </summary>
internal sealed class SqliteMessageSearchStore(SqliteConnectionFactory factory) : IMessageSearchStore
{
    internal const string SearchSql = $"""
        SELECT {SqliteMessageStore.PrefixedColumns}
        FROM message_search s JOIN messages m ON m.rowid = s.rowid
        WHERE message_search MATCH @query
          AND s.rowid < @beforeRowid
          AND m.conversation_id IN (SELECT value FROM json_each(@conversations))
          AND m.deleted = 0
        ORDER BY s.rowid DESC
        LIMIT @limit
        """;

    /// <summary>
    /// The member's conversations as a subquery the planner evaluates once into a temporary index: its direct
    /// conversations from the participant indexes and its groups from ix_group_members_user_id.
    /// </summary>
    internal const string SearchAllSql = $"""
        SELECT {SqliteMessageStore.PrefixedColumns}
        FROM message_search s JOIN messages m ON m.rowid = s.rowid
        WHERE message_search MATCH @query
          AND s.rowid < @beforeRowid
          AND m.conversation_id IN (
            SELECT conversation_id FROM conversations WHERE participant_a = @userId AND group_id IS NULL
            UNION ALL SELECT conversation_id FROM conversations WHERE participant_b = @userId AND group_id IS NULL
            UNION ALL SELECT 'g:' || group_id FROM group_members WHERE user_id = @userId)
          AND m.deleted = 0
        ORDER BY s.rowid DESC
        LIMIT @limit
        """;

    public Task<MessageSearchResult> SearchAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct) =>
        conversationIds.Count == 0
            ? Task.FromResult(new MessageSearchResult([], true))
            : RunAsync(SearchSql, p => p.BindList("@conversations", conversationIds), terms, beforeId, limit, ct);

    public Task<MessageSearchResult> SearchAllAsync(string userId, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct) =>
        !StorageIds.TryNormalize(userId, out var user)
            ? Task.FromResult(new MessageSearchResult([], true))
            : RunAsync(SearchAllSql, p => p.Bind("@userId", user), terms, beforeId, limit, ct);

    private async Task<MessageSearchResult> RunAsync(string sql, Action<SqliteParameterCollection> scope, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct)
    {
        // A term with anything but letters and digits can start no stored word; FTS5 would tokenize it apart.
        if (terms.Count == 0 || limit <= 0 || !terms.All(SearchText.IsNormalizedWord))
        {
            return new([], true);
        }
        var beforeRowid = long.MaxValue;
        if (beforeId is not null)
        {
            if (!StorageIds.TryNormalize(beforeId, out var before))
            {
                return new([], true);
            }
            beforeRowid = await factory.ScalarAsync<long>("SELECT rowid FROM messages WHERE id = @id", p => p.Bind("@id", before), ct).ConfigureAwait(false);
        }
        var messages = await factory.QueryAsync(sql, p =>
        {
            scope(p);
            p.Bind("@query", MatchExpression(terms))
                .Bind("@beforeRowid", beforeRowid)
                .Bind("@limit", limit);
        }, SqliteMessageStore.Map, ct).ConfigureAwait(false);
        return new(messages, true);
    }

    /// <summary>"term"* for each term, implicitly ANDed; a double quote inside a term is doubled, as FTS5 strings escape it.</summary>
    internal static string MatchExpression(IReadOnlyList<string> terms)
    {
        var builder = new StringBuilder();
        foreach (var term in terms)
        {
            builder.Append(builder.Length == 0 ? "" : " ").Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"*");
        }
        return builder.ToString();
    }
}
