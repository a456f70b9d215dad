using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>The writer connection as seen by one write operation; only the writer loop ever touches it.</summary>
internal sealed class SqliteWriteContext(SqliteConnection connection) : IDisposable
{
    // Commands keep their prepared statements, so each distinct SQL text is compiled once per connection.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

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
