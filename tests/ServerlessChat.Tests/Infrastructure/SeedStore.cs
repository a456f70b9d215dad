using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// The storage adapter of a SQLite file (or of the store a test host runs on) opened outside any host, for the
/// benchmark and load programs and the tests to seed large data sets faster than HTTP could, through the same
/// ports the host uses.
/// </summary>
public sealed class SeedStore : IDisposable
{
    private readonly IHost _host;

    private SeedStore(IHost host) => _host = host;

    public IUserStore Users => _host.Services.GetRequiredService<IUserStore>();
    public IMessageStore Messages => _host.Services.GetRequiredService<IMessageStore>();
    public IConversationStore Conversations => _host.Services.GetRequiredService<IConversationStore>();
    public IGroupStore Groups => _host.Services.GetRequiredService<IGroupStore>();

    public static Task<SeedStore> OpenAsync(string sqlitePath) =>
        OpenAsync(new Dictionary<string, string?> { ["Storage:SqlitePath"] = sqlitePath });

    /// <summary>
    /// The store a test host on <paramref name="dataDirectory"/> runs on: MongoDB when CHAT_TEST_MONGODB is set (the
    /// database of that folder), else the SQLite file in it (see <see cref="TestStorage"/>).
    /// </summary>
    public static Task<SeedStore> OpenForHostAsync(string dataDirectory) =>
        OpenAsync(TestStorage.InProcessSettings(dataDirectory, TestStorage.MongoConnectionString));

    private static async Task<SeedStore> OpenAsync(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddChatStorage();
        var host = builder.Build();
        await host.Services.GetRequiredService<IStorageInitializer>().InitializeAsync(CancellationToken.None);
        return new SeedStore(host);
    }

    /// <summary>Users named prefix0000_..., all with the same password (hashed once, at BCrypt cost 4).</summary>
    public async Task<List<UserRecord>> CreateUsersAsync(string prefix, int count, string password)
    {
        var hash = BCrypt.Net.BCrypt.HashPassword(password, 4);
        var users = new List<UserRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var now = DateTimeOffset.UtcNow;
            var user = new UserRecord(ObjectId.GenerateNewId().ToString(), $"{prefix}{i:D4}_{Guid.NewGuid():N}"[..20],
                $"{prefix}{i}-{Guid.NewGuid():N}@example.test", $"{prefix} {i}", hash, now, now);
            await Users.CreateAsync(user, CancellationToken.None);
            users.Add(user);
        }

        return users;
    }

    public void Dispose() => _host.Dispose();
}
