using System.Security.Cryptography;
using System.Text;
using MongoDB.Driver;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// Which store the hosts under test run on: SQLite in their data folder, or, when CHAT_TEST_MONGODB holds a
/// connection string, MongoDB with one database per data folder (so a restarted host, or a second instance
/// given the same folder, sees the same data), dropped when the host that owns the folder is disposed.
/// </summary>
public static class TestStorage
{
    public const string MongoVariable = "CHAT_TEST_MONGODB";

    public static string? MongoConnectionString { get; } =
        Environment.GetEnvironmentVariable(MongoVariable) is { Length: > 0 } value ? value : null;

    /// <summary>What GET /api/health names as the storage of a host under test.</summary>
    public static string HealthName => MongoConnectionString is null ? "sqlite" : "mongodb";

    /// <summary>The storage settings (environment variable form) of a host on <paramref name="dataDirectory"/>.</summary>
    public static Dictionary<string, string?> HostSettings(string dataDirectory, string? mongoConnectionString)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage__Provider"] = "Sqlite",
            ["Storage__SqlitePath"] = Path.Combine(dataDirectory, "chat.db"),
        };
        if (mongoConnectionString is not null)
        {
            settings["Storage__Provider"] = "MongoDb";
            settings["Storage__MongoConnectionString"] = mongoConnectionString;
            settings["Storage__MongoDatabase"] = DatabaseFor(dataDirectory);
        }

        return settings;
    }

    /// <summary><see cref="HostSettings"/> as configuration keys (<c>Storage:Provider</c>), for hosts built in-process.</summary>
    public static Dictionary<string, string?> InProcessSettings(string dataDirectory, string? mongoConnectionString) =>
        HostSettings(dataDirectory, mongoConnectionString).ToDictionary(s => s.Key.Replace("__", ":", StringComparison.Ordinal), s => s.Value);

    /// <summary>Drops the MongoDB database of a host's settings; nothing for a SQLite host.</summary>
    public static async Task DropAsync(IReadOnlyDictionary<string, string?> settings)
    {
        string? Get(string key) => settings.GetValueOrDefault("Storage__" + key) ?? settings.GetValueOrDefault("Storage:" + key);
        if (Get("Provider") == "MongoDb" && Get("MongoConnectionString") is { } connectionString && Get("MongoDatabase") is { } database)
        {
            using var client = new MongoClient(connectionString);
            await client.DropDatabaseAsync(database);
        }
    }

    // Short and made of [a-z0-9_]: valid on MongoDB and Cosmos DB alike.
    private static string DatabaseFor(string dataDirectory) =>
        "chat_host_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..20];
}
