using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Realtime;

/// <summary>One standalone host for the realtime tests, with ICE servers configured; each test registers its own users.</summary>
public sealed class RealtimeHostFixture : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Calls__IceServers__0__Urls__0"] = "stun:stun.example.test:3478",
        ["Calls__IceServers__1__Urls__0"] = "turn:turn.example.test:3478?transport=udp",
        ["Calls__IceServers__1__Urls__1"] = "turns:turn.example.test:5349",
        ["Calls__IceServers__1__Username"] = "turn-user",
        ["Calls__IceServers__1__Credential"] = "turn-secret",
    };

    public StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await StandaloneHost.StartAsync(Settings);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RealtimeHostCollection : ICollectionFixture<RealtimeHostFixture>
{
    public const string Name = "Realtime standalone host";
}
