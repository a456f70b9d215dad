namespace ServerlessChat.Tests.Infrastructure;

/// <summary>One standalone host shared by the API tests of a collection; each test registers users of its own.</summary>
public sealed class SharedHostFixture : IAsyncLifetime
{
    public StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await StandaloneHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedHostCollection : ICollectionFixture<SharedHostFixture>
{
    public const string Name = "Shared standalone host";
}
