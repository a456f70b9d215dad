using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Readers take pooled connections per call; WAL lets them run beside the single writer connection, which
/// <see cref="SqliteWriter"/> owns.
/// </summary>
internal sealed class SqliteConnectionFactory : IDisposable
{
    private const int BusyTimeoutMilliseconds = 5000;

    // A safety net only: SqliteWriter checkpoints continuously from its own connection, so the committing
    // writer reaches this (and stalls on the checkpoint's fsync) only if those passes fall far behind.
    private const int WalAutoCheckpointPages = 16000;

    // The writer walks the index pages of every active conversation; the default 2 MB cache re-reads them
    // from the OS on each batch.
    private const int WriterCacheKibibytes = 32 * 1024;

    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;
    private readonly string _synchronous;

    public SqliteConnectionFactory(SqliteStoreSettings settings)
    {
        Path = settings.Path;
        var directory = System.IO.Path.GetDirectoryName(settings.Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = settings.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        };
        _readConnectionString = builder.ToString();
        builder.Pooling = false;
        _writeConnectionString = builder.ToString();
        _synchronous = settings.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
    }

    public string Path { get; }

    public async Task<SqliteConnection> OpenReadAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A dedicated connection for the writer or for schema work; pooling would only hide its lifetime.</summary>
    public SqliteConnection OpenWrite()
    {
        var connection = new SqliteConnection(_writeConnectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                $"PRAGMA synchronous = {_synchronous}; PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; " +
                $"PRAGMA wal_autocheckpoint = {WalAutoCheckpointPages}; PRAGMA cache_size = -{WriterCacheKibibytes};";
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        // Idle pooled connections keep the file (and its WAL) open; closing them lets SQLite fold the WAL back
        // into the database and lets tests delete their files.
        using var connection = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(connection);
    }
}
