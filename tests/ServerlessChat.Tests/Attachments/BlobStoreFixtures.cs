using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Attachments;
using ServerlessChat.Core.Auth;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Attachments;

/// <summary>One blob store per test class and an HTTP client for its signed URLs (relative ones resolve against <see cref="Http"/>'s base).</summary>
public abstract class BlobStoreFixture : IAsyncLifetime
{
    public abstract bool Enabled { get; }

    public IAttachmentBlobStore Store { get; protected set; } = null!;

    public HttpClient Http { get; protected set; } = new();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();
}

/// <summary>The FileSystem store on the real filesystem, its URLs served by the same endpoints the standalone host maps.</summary>
public sealed class FileSystemBlobStoreFixture : BlobStoreFixture
{
    private readonly string _root = Directory.CreateTempSubdirectory("serverlesschat-blobs-").FullName;
    private WebApplication? _app;

    public override bool Enabled => true;

    public override async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(Options.Create(new AuthOptions { JwtSigningKey = StandaloneHost.TestSigningKey }));
        builder.Services.AddSingleton<BlobUrlSigner>();
        builder.Services.AddSingleton<IAttachmentBlobStore>(sp => new FileSystemBlobStore(_root, sp.GetRequiredService<BlobUrlSigner>(), TimeProvider.System));
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _app.MapFileSystemBlobs();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
        Store = _app.Services.GetRequiredService<IAttachmentBlobStore>();
        await Store.InitializeAsync(default);
    }

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The AzureBlob store against a private Azurite, signed with the connection string's account key.</summary>
public sealed class AzuriteBlobStoreFixture : BlobStoreFixture
{
    private AzuriteServer? _azurite;

    public override bool Enabled => AzuriteServer.Binary is not null || AzuriteServer.Required;

    public override async Task InitializeAsync()
    {
        if (!Enabled)
        {
            return;
        }
        _azurite = await AzuriteServer.StartAsync();
        Store = new AzureBlobStore(new BlobServiceClient(_azurite.ConnectionString), "attachments", TimeProvider.System, NullLogger<AzureBlobStore>.Instance);
        // Created at start: the container does not exist yet in a fresh Azurite.
        await Store.InitializeAsync(default);
    }

    public override async Task DisposeAsync()
    {
        Http.Dispose();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
