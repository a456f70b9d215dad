using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// The storage adapter of a SQLite file opened outside any host, for the benchmark and load programs to seed
/// large data sets faster than HTTP could, through the same ports the host uses.
/// </summary>
public sealed class SeedStore : IDisposable
{
    private readonly IHost _host;

    private SeedStore(IHost host) => _host = host;

    public IUserStore Users => _host.Services.GetRequiredService<IUserStore>();
    public IMessageStore Messages => _host.Services.GetRequiredService<IMessageStore>();
    public IConversationStore Conversations => _host.Services.GetRequiredService<IConversationStore>();

    public static async Task<SeedStore> OpenAsync(string sqlitePath)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SqlitePath"] = sqlitePath });
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
