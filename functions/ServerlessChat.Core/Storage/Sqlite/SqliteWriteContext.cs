using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>The writer connection as seen by one write operation; only the writer loop ever touches it.</summary>
internal sealed class SqliteWriteContext(SqliteConnection connection) : IDisposable
{
    // Commands keep their prepared statements, so each distinct SQL text is compiled once per connection.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    // Above this many conversations the remembered entries are dropped and read again as needed: a bound on memory.
    private const int MaxLastChanges = 65_536;

    private long _dataVersion = -1;

    /// <summary>
    /// The change log's last entry per conversation as this connection last wrote or read it, so that an append
    /// need not read it again (<see cref="SqliteChangeLog"/>). Only true while nothing else changed the file: the
    /// writer forgets it on every rollback and when another connection, such as a second host on the same file,
    /// has committed since this one last looked (<see cref="BeginBatch"/>).
    /// </summary>
    public Dictionary<string, (long Seq, long At)> LastChanges { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Called by the writer right after BEGIN IMMEDIATE, holding the write lock: PRAGMA data_version moves when
    /// another connection committed in between (never for this connection's own commits).
    /// </summary>
    public void BeginBatch()
    {
        var version = (long)Command("PRAGMA data_version").ExecuteScalar()!;
        if (version != _dataVersion || LastChanges.Count > MaxLastChanges)
        {
            LastChanges.Clear();
            _dataVersion = version;
        }
    }

    /// <summary>Called by the writer after any rollback: what it remembered may describe writes that were undone.</summary>
    public void Forget() => LastChanges.Clear();

    // Full-text entries of the batch's new messages, written together just before COMMIT (see IndexLater).
    private const string SearchInsertSql = "INSERT INTO message_search (rowid, words) VALUES (@rowid, @words)";
    private readonly List<(long RowId, string Words)> _searchEntries = [];

    /// <summary>The rowid of the row the last INSERT on this connection added.</summary>
    public long LastInsertRowId => SQLitePCL.raw.sqlite3_last_insert_rowid(connection.Handle);

    /// <summary>
    /// Adds the full-text entry of a row inserted by the current operation at the end of the batch, in the same
    /// transaction (so it commits with the row or not at all), after every other operation's savepoint.
    /// </summary>
    /// <remarks>
    /// FTS5 writes its pending entries out as a new index segment at every savepoint it takes part in: written
    /// inside each send's savepoint, every message became a segment of its own, merged again and again (the
    /// largest part of a send's writer time, and most of the pages it wrote). Together they are one segment per
    /// batch. Only new rows are deferred: nothing else can address a message before its send has committed.
    /// </remarks>
    public void IndexLater(long rowId, string words) => _searchEntries.Add((rowId, words));

    /// <summary>Where an operation starts in the deferred entries, so that a failed one can drop its own.</summary>
    internal int SearchMark => _searchEntries.Count;

    internal void DropSearchEntriesFrom(int mark) => _searchEntries.RemoveRange(mark, _searchEntries.Count - mark);

    /// <summary>Writes the deferred full-text entries; the writer calls it last before COMMIT.</summary>
    internal void WriteSearchEntries()
    {
        foreach (var (rowId, words) in _searchEntries)
        {
            Execute(SearchInsertSql, p => p.Bind("@rowid", rowId).Bind("@words", words));
        }
        _searchEntries.Clear();
    }

    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        command.Parameters.Clear();
        return command;
    }

    public int Execute(string sql) => Command(sql).ExecuteNonQuery();

    public int Execute(string sql, Action<SqliteParameterCollection> bind)
    {
        var command = Command(sql);
        bind(command.Parameters);
        return command.ExecuteNonQuery();
    }

    public T? QuerySingle<T>(string sql, Action<SqliteParameterCollection> bind, Func<SqliteDataReader, T> map)
    {
        var command = Command(sql);
        bind(command.Parameters);
        using var reader = command.ExecuteReader();
        return reader.Read() ? map(reader) : default;
    }

    public List<T> Query<T>(string sql, Action<SqliteParameterCollection> bind, Func<SqliteDataReader, T> map)
    {
        var command = Command(sql);
        bind(command.Parameters);
        using var reader = command.ExecuteReader();
        var items = new List<T>();
        while (reader.Read())
        {
            items.Add(map(reader));
        }
        return items;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
        connection.Dispose();
    }
}
