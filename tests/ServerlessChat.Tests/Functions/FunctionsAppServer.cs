using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessChat.Core.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Storage;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The Functions app's services (Core + SignalR Service realtime, as its Program.cs wires them) served over real
/// HTTP on loopback: Core's route table and the upstream endpoint the SignalR Service posts connection events
/// to, the two things a client and the service reach the Functions app by. Each upstream call it has answered
/// can be awaited.
/// </summary>
public sealed class FunctionsAppServer : IAsyncDisposable
{
    /// <summary>The Functions app's upstream route (RealtimeFunctions.UpstreamRoute) under the /api prefix.</summary>
    public const string UpstreamPath = "/api/signalr/{hub}/{category}/{event}";

    private readonly WebApplication _app;
    private readonly string _data;
    private readonly List<(string Event, string UserId, int Status)> _handled = [];
    private readonly List<(Func<(string Event, string UserId, int Status), bool> Match, TaskCompletionSource Done)> _waiters = [];

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private FunctionsAppServer(WebApplication app, string data, IReadOnlyDictionary<string, string?> settings, Uri baseAddress)
    {
        _app = app;
        _data = data;
        _settings = settings;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>A loopback port that was free a moment ago, so a peer can be told the URL before this server starts.</summary>
    public static int ReservePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static async Task<FunctionsAppServer> StartAsync(int port, string signalREndpoint, string accessKey)
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-functions-http-").FullName;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>(TestStorage.InProcessSettings(data, TestStorage.MongoConnectionString))
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Auth:BcryptWorkFactor"] = "4",
            ["Storage:DataRoot"] = data,
            ["RateLimiting:AuthPermitsPerMinute"] = "100000",
            ["RateLimiting:PermitsPerMinute"] = "100000",
            [AzureSignalROptions.ConnectionStringSetting] = $"Endpoint={signalREndpoint};AccessKey={accessKey};Version=1.0;",
        };
        builder.Configuration.AddInMemoryCollection(settings);
        builder.KeepDataOutsideTheApp();
        builder.AddChatCore();
        builder.AddAzureSignalRRealtime();
        builder.AddStoragePasswordResetQueue();
        builder.AddStorageAccountJobQueue();
        var app = builder.Build();
        var server = new FunctionsAppServer(app, data, settings, new Uri($"http://127.0.0.1:{port}/"));
        app.UseChatErrors();
        app.MapChatApi();
        app.MapPost(UpstreamPath, server.UpstreamAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Completes once the upstream <paramref name="event"/> of <paramref name="userId"/> was answered 200.</summary>
    public Task HandledAsync(string @event, string userId)
    {
        bool Match((string Event, string UserId, int Status) h) => h.Event == @event && h.UserId == userId && h.Status == StatusCodes.Status200OK;
        lock (_handled)
        {
            if (_handled.Any(Match))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Match, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await TestStorage.DropAsync(_settings);
        Directory.Delete(_data, recursive: true);
    }

    private async Task UpstreamAsync(HttpContext context, string hub, string category, string @event, AzureSignalRUpstream upstream)
    {
        await upstream.HandleAsync(context, hub, category, @event);
        var handled = (@event, context.Request.Headers[AzureSignalRUpstream.UserIdHeader].ToString(), context.Response.StatusCode);
        lock (_handled)
        {
            _handled.Add(handled);
            foreach (var waiter in _waiters.Where(w => w.Match(handled)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }
}
