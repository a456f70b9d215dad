namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// The wiring that runs the whole suite on MongoDB when CHAT_TEST_MONGODB is set. No MongoDB server runs here, so
/// this checks the settings a host is given; the hosts themselves then run on whichever store those name.
/// </summary>
public sealed class TestStorageTests
{
    [Fact]
    public void WithoutAMongoConnectionStringAHostRunsOnSqliteInItsDataFolder()
    {
        var settings = TestStorage.HostSettings("/tmp/host-a", mongoConnectionString: null);

        Assert.Equal("Sqlite", settings["Storage__Provider"]);
        Assert.Equal(Path.Combine("/tmp/host-a", "chat.db"), settings["Storage__SqlitePath"]);
        Assert.False(settings.ContainsKey("Storage__MongoDatabase"));
    }

    [Fact]
    public void WithAMongoConnectionStringEachDataFolderGetsItsOwnDatabase()
    {
        const string mongo = "mongodb://127.0.0.1:27017";
        var a = TestStorage.HostSettings("/tmp/host-a", mongo);
        var again = TestStorage.HostSettings("/tmp/host-a", mongo);
        var b = TestStorage.HostSettings("/tmp/host-b", mongo);

        Assert.Equal("MongoDb", a["Storage__Provider"]);
        Assert.Equal(mongo, a["Storage__MongoConnectionString"]);
        // A restarted host, or a second instance on the same folder, shares the database; another host does not.
        Assert.Equal(a["Storage__MongoDatabase"], again["Storage__MongoDatabase"]);
        Assert.NotEqual(a["Storage__MongoDatabase"], b["Storage__MongoDatabase"]);
        Assert.Matches("^[a-z0-9_]{1,63}$", a["Storage__MongoDatabase"]!);
    }

    [Fact]
    public async Task DroppingASqliteHostsStorageTouchesNoServer()
    {
        // No connection string, no client: this completes without any server.
        await TestStorage.DropAsync(TestStorage.HostSettings("/tmp/host-a", mongoConnectionString: null));
    }
}
