using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// A fixed set of read connections, opened once and kept open; WAL lets them run beside the single writer
/// connection, which <see cref="SqliteWriter"/> owns.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite's own pool opens a new connection whenever all are busy and has no upper bound: a
/// burst of concurrent reads (10,000 hub connections each listing their groups) opened one connection, three
/// descriptors, per waiting read until the process hit its open-files limit and reads failed with SQLITE_CANTOPEN.
/// Here a read waits for one of <see cref="SqliteStoreSettings.ReadConnections"/> connections instead, and a
/// connection is opened again only if one broke.
/// </remarks>
internal sealed class SqliteConnectionFactory : IDisposable
{
    private const int BusyTimeoutMilliseconds = 5000;

    // A safety net only: SqliteWriter checkpoints continuously from its own connection, so the committing
    // writer reaches this (and stalls on the checkpoint's fsync) only if those passes fall far behind.
    private const int WalAutoCheckpointPages = 16000;

    // The writer walks the index pages of every active conversation; the default 2 MB cache re-reads them
    // from the OS on each batch.
    private const int WriterCacheKibibytes = 32 * 1024;

    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly int _readConnections;
    private readonly SemaphoreSlim _readSlots;
    private readonly ConcurrentBag<SqliteConnection> _idleReaders = [];
    private bool _disposed;

    public SqliteConnectionFactory(SqliteStoreSettings settings)
    {
        Path = settings.Path;
        var directory = System.IO.Path.GetDirectoryName(settings.Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = settings.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // This class keeps the connections; the driver's pool would only hide their number and lifetime.
            Pooling = false,
        }.ToString();
        _synchronous = settings.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
        _readConnections = settings.ReadConnections;
        _readSlots = new SemaphoreSlim(settings.ReadConnections, settings.ReadConnections);
    }

    public string Path { get; }

    /// <summary>Opens every read connection now, at start, rather than on the first burst of requests.</summary>
    public void OpenReaders()
    {
        var opened = new List<SqliteConnection>();
        while (_idleReaders.Count + opened.Count < _readConnections && _readSlots.Wait(0))
        {
            try
            {
                opened.Add(Open("PRAGMA query_only = ON;"));
            }
            finally
            {
                _readSlots.Release();
            }
        }

        foreach (var connection in opened)
        {
            _idleReaders.Add(connection);
        }
    }

    /// <summary>A read connection for the caller alone until the lease is disposed; waits while all are in use.</summary>
    public async Task<SqliteReadLease> OpenReadAsync(CancellationToken ct)
    {
        await _readSlots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new SqliteReadLease(this, _idleReaders.TryTake(out var idle) ? idle : Open("PRAGMA query_only = ON;"));
        }
        catch
        {
            _readSlots.Release();
            throw;
        }
    }

    internal void Return(SqliteConnection connection)
    {
        if (connection.State == System.Data.ConnectionState.Open && !_disposed)
        {
            _idleReaders.Add(connection);
        }
        else
        {
            connection.Dispose();
        }

        _readSlots.Release();
    }

    /// <summary>A dedicated connection for the writer or for schema work.</summary>
    public SqliteConnection OpenWrite() => Open(
        $"PRAGMA synchronous = {_synchronous}; PRAGMA wal_autocheckpoint = {WalAutoCheckpointPages}; PRAGMA cache_size = -{WriterCacheKibibytes};");

    private SqliteConnection Open(string pragmas)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; {pragmas}";
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
        // Open connections keep the file (and its WAL) open; closing them lets SQLite fold the WAL back into the
        // database and lets tests delete their files.
        _disposed = true;
        while (_idleReaders.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}

/// <summary>One read connection of <see cref="SqliteConnectionFactory"/>, handed back when disposed.</summary>
internal sealed class SqliteReadLease(SqliteConnectionFactory factory, SqliteConnection connection) : IAsyncDisposable, IDisposable
{
    // Each read connection keeps a command per SQL text, and each command its prepared statement, as the
    // writer's connection does: parsing and planning a statement again on every read was a few percent of a
    // history page's CPU. A connection is leased to one caller at a time, so its commands are too.
    private const int MaxCommandsPerConnection = 256;
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Commands = new();

    private int _returned;

    public SqliteConnection Connection { get; } = connection;

    /// <summary>
    /// The connection's command for <paramref name="sql"/>, parameters cleared, statement prepared after its
    /// first use; owned by the connection (not to be disposed). Past a bound of distinct texts, a new command
    /// that the connection closes with it.
    /// </summary>
    public SqliteCommand Command(string sql)
    {
        var commands = Commands.GetValue(Connection, static _ => new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            if (commands.Count < MaxCommandsPerConnection)
            {
                commands.Add(sql, command);
            }
        }

        command.Parameters.Clear();
        return command;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            factory.Return(Connection);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
