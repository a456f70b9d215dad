using Xunit.Abstractions;
using MongoDB.Driver;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

/// <summary>One store per test class; each test makes its own users, conversations and keys, so tests never share data.</summary>
public abstract class StorageFixture : IAsyncLifetime
{
    private StorageTestHost? _host;

    /// <summary>False when the store cannot run here (MongoDB without a server): the tests then return at once.</summary>
    public abstract bool Enabled { get; }

    public StorageTestHost Host => _host ?? throw new InvalidOperationException("The store is not enabled.");

    protected abstract Task<StorageTestHost> StartAsync();

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        if (Enabled)
        {
            _host = await StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        await CleanUpAsync();
    }
}

public sealed class SqliteStorageFixture : StorageFixture
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "serverlesschat-storage-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(Directory, "chat.db");

    public override bool Enabled => true;

    public static Dictionary<string, string?> Settings(string relativePath) => new()
    {
        ["Storage:Provider"] = nameof(StorageProvider.Sqlite),
        // Relative on purpose: the registration resolves it against the content root.
        ["Storage:SqlitePath"] = relativePath,
    };

    protected override Task<StorageTestHost> StartAsync()
    {
        // The content root must exist; the database's own folder is created by the store.
        System.IO.Directory.CreateDirectory(Directory);
        return StorageTestHost.StartAsync(Directory, Settings("chat.db"));
    }

    protected override Task CleanUpAsync()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        return Task.CompletedTask;
    }
}

public sealed class MongoStorageFixture : StorageFixture
{
    public const string ConnectionStringVariable = Infrastructure.TestStorage.MongoVariable;

    private static readonly string? ConnectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } value ? value : null;

    /// <summary>The reason every MongoDB contract test reports as skipped.</summary>
    public const string SkipReason = $"SKIP: MongoDB contract tests (set {ConnectionStringVariable} to run them)";

    private static int _noticePrinted;

    // The per-test skips are easy to miss among hundreds of results; this prints the reason once per run as an
    // xunit diagnostic message, which dotnet test shows at its default verbosity.
    public MongoStorageFixture(IMessageSink diagnostics)
    {
        if (ConnectionString is null && Interlocked.Exchange(ref _noticePrinted, 1) == 0)
        {
            diagnostics.OnMessage(new Xunit.Sdk.DiagnosticMessage(SkipReason));
        }
    }

    public string DatabaseName { get; } = $"chat_test_{Guid.NewGuid():N}";

    public override bool Enabled => ConnectionString is not null;

    protected override Task<StorageTestHost> StartAsync() => StorageTestHost.StartAsync(Path.GetTempPath(), new Dictionary<string, string?>
    {
        ["Storage:Provider"] = nameof(StorageProvider.MongoDb),
        ["Storage:MongoConnectionString"] = ConnectionString,
        ["Storage:MongoDatabase"] = DatabaseName,
    });

    protected override async Task CleanUpAsync()
    {
        if (ConnectionString is not null)
        {
            using var client = new MongoClient(ConnectionString);
            await client.DropDatabaseAsync(DatabaseName);
        }
    }
}
