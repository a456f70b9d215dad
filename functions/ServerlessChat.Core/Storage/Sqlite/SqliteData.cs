using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Value conventions of the SQLite schema: timestamps are INTEGER unix milliseconds (they sort and round-trip a
/// UTC DateTimeOffset to the millisecond), booleans are 0/1, and id lists travel as one JSON array parameter
/// read with json_each, so statements stay constant (and cached) whatever the list length.
/// </summary>
internal static class SqliteData
{
    public static SqliteParameterCollection Bind(this SqliteParameterCollection parameters, string name, object? value)
    {
        parameters.AddWithValue(name, value ?? DBNull.Value);
        return parameters;
    }

    public static SqliteParameterCollection BindTime(this SqliteParameterCollection parameters, string name, DateTimeOffset? value) =>
        parameters.Bind(name, value?.ToUnixTimeMilliseconds());

    public static SqliteParameterCollection BindList(this SqliteParameterCollection parameters, string name, IEnumerable<string> values) =>
        parameters.Bind(name, JsonSerializer.Serialize(values, SqliteJsonContext.Default.IEnumerableString));

    public static DateTimeOffset GetTime(this SqliteDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? GetTimeOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static async Task<List<T>> QueryAsync<T>(
        this SqliteConnectionFactory factory,
        string sql,
        Action<SqliteParameterCollection> bind,
        Func<SqliteDataReader, T> map,
        CancellationToken ct)
    {
        await using var lease = await factory.OpenReadAsync(ct).ConfigureAwait(false);
        var command = lease.Command(sql);
        bind(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var items = new List<T>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            items.Add(map(reader));
        }
        return items;
    }

    public static async Task<T?> QuerySingleAsync<T>(
        this SqliteConnectionFactory factory,
        string sql,
        Action<SqliteParameterCollection> bind,
        Func<SqliteDataReader, T> map,
        CancellationToken ct)
    {
        await using var lease = await factory.OpenReadAsync(ct).ConfigureAwait(false);
        var command = lease.Command(sql);
        bind(command.Parameters);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? map(reader) : default;
    }

    public static async Task<T?> ScalarAsync<T>(
        this SqliteConnectionFactory factory,
        string sql,
        Action<SqliteParameterCollection> bind,
        CancellationToken ct)
    {
        await using var lease = await factory.OpenReadAsync(ct).ConfigureAwait(false);
        var command = lease.Command(sql);
        bind(command.Parameters);
        var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IEnumerable<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<ServerlessChat.Core.Domain.LinkPreviewRecord>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ServerlessChat.Core.Domain.SystemNotice))]
internal sealed partial class SqliteJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
