using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// Every write goes through one connection, and the writes that queue up while a transaction commits go into
/// the next one together (group commit).
/// </summary>
/// <remarks>
/// SQLite takes one writer at a time; concurrent writers on pooled connections spin in the busy handler, and
/// each commit pays for its own WAL frames and checkpoint share. Measured on 2 busy cores, 16-64 concurrent
/// inserters: pooled connections used about 160 us CPU per insert and starved the checkpoints (WAL past
/// 400 MB); one connection behind a lock about 85 us; this queue 60-75 us and the best throughput.
/// Results are handed out only after COMMIT, so a caller never sees a write that could still be lost. A failing
/// statement undoes itself and leaves the batch going; operations of several statements run inside a savepoint
/// so that they land whole or not at all (a savepoint for every operation cost about 8% more CPU per insert).
/// </remarks>
internal sealed class SqliteWriter : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 256;

    private readonly SqliteConnectionFactory _factory;
    private readonly Channel<WriteOperation> _queue =
        Channel.CreateUnbounded<WriteOperation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _checkpoints;

    public SqliteWriter(SqliteConnectionFactory factory)
    {
        _factory = factory;
        _loop = Task.Run(RunAsync);
        _checkpoints = Task.Run(CheckpointContinuouslyAsync);
    }

    /// <summary>
    /// Copies the WAL back into the database beside the writer instead of inside one of its commits: an
    /// automatic checkpoint runs in the committing connection and holds every queued write behind its fsync
    /// (the p99 of sends). PASSIVE never waits for the writer or readers; the writer restarts the WAL from the
    /// top once a pass has caught up.
    /// </summary>
    private async Task CheckpointContinuouslyAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        SqliteConnection? connection = null;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    connection ??= _factory.OpenWrite();
                    using var command = connection.CreateCommand();
                    command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                    command.ExecuteNonQuery();
                }
                catch (SqliteException)
                {
                    // Busy or I/O trouble: the next tick tries again on a fresh connection.
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which writes with at most one statement (reads around it are fine), on the
    /// writer connection inside the current batch's transaction. It must not block on anything else.
    /// </summary>
    public Task<T> ExecuteAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken ct) => Enqueue(work, atomic: false, ct);

    /// <summary>Like <see cref="ExecuteAsync{T}"/> for work of several writing statements: they land together or not at all.</summary>
    public Task<T> ExecuteAtomicAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken ct) => Enqueue(work, atomic: true, ct);

    private Task<T> Enqueue<T>(Func<SqliteWriteContext, T> work, bool atomic, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(ct);
        }
        var operation = new WriteOperation<T>(work, atomic, ct);
        if (!_queue.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter));
        }
        return operation.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteOperation>(MaxBatch);
        SqliteWriteContext? context = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var operation))
                {
                    if (!operation.TryCancel())
                    {
                        batch.Add(operation);
                    }
                }
                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    context ??= OpenContext();
                    RunBatch(context, batch);
                }
                catch (Exception ex)
                {
                    foreach (var operation in batch)
                    {
                        operation.Fail(ex);
                    }
                    // The connection may be unusable (I/O error, file replaced); the next batch opens a new one.
                    context?.Dispose();
                    context = null;
                }
                batch.Clear();
            }
        }
        finally
        {
            if (context is not null)
            {
                Checkpoint(context);
                context.Dispose();
            }
        }
    }

    /// <remarks>
    /// Savepoints keep the page images they may need to roll back to in a sub-journal, in memory up to 64 KiB and
    /// then in a temporary file: a batch of sends wrote more there than to the WAL (about 9 MB in 3 s of a send
    /// benchmark, a file created and deleted per batch). In memory it is bounded by what one operation touches,
    /// since releasing a savepoint empties it. Only this connection: schema work may sort large tables.
    /// </remarks>
    private SqliteWriteContext OpenContext()
    {
        var context = new SqliteWriteContext(_factory.OpenWrite());
        try
        {
            context.Execute("PRAGMA temp_store = MEMORY");
            return context;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static void RunBatch(SqliteWriteContext context, List<WriteOperation> batch)
    {
        context.Execute("BEGIN IMMEDIATE");
        try
        {
            context.BeginBatch();
            foreach (var operation in batch)
            {
                if (operation.Atomic)
                {
                    RunInSavepoint(context, operation);
                    continue;
                }
                var mark = context.SearchMark;
                try
                {
                    operation.Run(context);
                }
                catch (Exception ex) when (!IsFatal(ex))
                {
                    // Its one writing statement undid itself; forgetting costs a read at most.
                    context.DropSearchEntriesFrom(mark);
                    context.Forget();
                    operation.SetError(ex);
                }
            }
            context.WriteSearchEntries();
            context.Execute("COMMIT");
        }
        catch
        {
            context.Forget();
            context.DropSearchEntriesFrom(0);
            try
            {
                context.Execute("ROLLBACK");
            }
            catch (SqliteException)
            {
                // SQLite already rolled back on its own after errors such as SQLITE_FULL.
            }
            throw;
        }

        foreach (var operation in batch)
        {
            operation.Complete();
        }
    }

    private static void RunInSavepoint(SqliteWriteContext context, WriteOperation operation)
    {
        context.Execute("SAVEPOINT op");
        var mark = context.SearchMark;
        try
        {
            operation.Run(context);
            context.Execute("RELEASE op");
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            context.DropSearchEntriesFrom(mark);
            context.Forget();
            context.Execute("ROLLBACK TO op");
            context.Execute("RELEASE op");
            operation.SetError(ex);
        }
    }

    /// <summary>Errors after which SQLite may have rolled back the whole transaction: the batch fails.</summary>
    private static bool IsFatal(Exception ex) => ex is SqliteException
    {
        SqliteErrorCode: SQLitePCL.raw.SQLITE_FULL or SQLitePCL.raw.SQLITE_IOERR or SQLitePCL.raw.SQLITE_NOMEM
            or SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_BUSY,
    };

    private static void Checkpoint(SqliteWriteContext context)
    {
        try
        {
            // Leaves a clean database file and an empty WAL on shutdown, so a copy or backup of the file alone is complete.
            context.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException)
        {
            // Not needed for durability: the WAL is replayed on the next open.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _checkpoints.ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _checkpoints.GetAwaiter().GetResult();
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
        _stopping.Dispose();
    }

    private abstract class WriteOperation(bool atomic)
    {
        public bool Atomic { get; } = atomic;

        public abstract bool TryCancel();
        public abstract void Run(SqliteWriteContext context);
        public abstract void SetError(Exception error);
        public abstract void Complete();
        public abstract void Fail(Exception error);
    }

    private sealed class WriteOperation<T>(Func<SqliteWriteContext, T> work, bool atomic, CancellationToken ct) : WriteOperation(atomic)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool TryCancel() => ct.IsCancellationRequested && _completion.TrySetCanceled(ct);

        public override void Run(SqliteWriteContext context)
        {
            _error = null;
            _result = work(context);
        }

        public override void SetError(Exception error) => _error = error;

        public override void Complete()
        {
            if (_error is null)
            {
                _completion.TrySetResult(_result!);
            }
            else
            {
                _completion.TrySetException(_error);
            }
        }

        public override void Fail(Exception error) => _completion.TrySetException(error);
    }
}
