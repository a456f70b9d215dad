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

    public async Task<MessageSearchResult> SearchAsync(IReadOnlyCollection<string> conversationIds, IReadOnlyList<string> terms, string? beforeId, int limit, CancellationToken ct)
    {
        // A term with anything but letters and digits can start no stored word; FTS5 would tokenize it apart.
        if (conversationIds.Count == 0 || terms.Count == 0 || limit <= 0 || !terms.All(SearchText.IsNormalizedWord))
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
        var messages = await factory.QueryAsync(SearchSql, p => p
            .Bind("@query", MatchExpression(terms))
            .Bind("@beforeRowid", beforeRowid)
            .BindList("@conversations", conversationIds)
            .Bind("@limit", limit), SqliteMessageStore.Map, ct).ConfigureAwait(false);
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
