using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

internal sealed class SqliteStorageHealth(SqliteConnectionFactory factory) : IStorageHealth
{
    public string Name => "sqlite";

    public async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            // Reads the schema version, which needs the file readable and its header intact.
            var version = await factory.ScalarAsync<long>("PRAGMA user_version;", _ => { }, ct).ConfigureAwait(false);
            return version > 0;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
        {
            return false;
        }
    }
}
