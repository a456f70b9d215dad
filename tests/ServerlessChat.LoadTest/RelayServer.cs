using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.LoadTest;

/// <summary>
/// The floor: plain ASP.NET Core SignalR relaying what a client hands it, with no authentication, storage or
/// validation. A message comes in either as a hub invocation on the sender's connection (<see cref="RelayHub"/>)
/// or, as the app takes it, as an HTTP POST (<see cref="GroupPostPath"/>) that the relay fans out through the
/// same hub's groups. It runs as its own process (this program with <c>--relay-server</c>) so it competes for the CPU the
/// way the standalone host does, and its memory can be read the same way.
/// </summary>
internal static class RelayServer
{
    public const string Argument = "--relay-server";

    private const string HubPath = "/relay";

    /// <summary>POST a message (a JSON object with at least a content) here to send it as it is to the SignalR group {group}; answers 201 once handed to the group.</summary>
    public const string GroupPostPath = "relay/groups/{group}/messages";
    private const string ListeningPrefix = "relay listening on: ";

    /// <summary>Runs the relay until its standard input closes (the load program exits or kills it).</summary>
    public static async Task RunAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<IUserIdProvider, QueryUserIdProvider>();
        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapHub<RelayHub>(HubPath);
        app.MapPost(GroupPostPath, async (string group, System.Text.Json.JsonElement message, IHubContext<RelayHub> hub) =>
        {
            await hub.Clients.Group(group).SendAsync(LoadClients.NewMessage, message);
            return Results.StatusCode(StatusCodes.Status201Created);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine(ListeningPrefix + address);
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        await app.StopAsync();
    }

    /// <summary>Starts the relay process and waits for its address.</summary>
    public static async Task<(System.Diagnostics.Process Process, Uri Address)> StartAsync()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The host's own runtime setting for its fan-out buffers, so the floor is measured like for like (as the
        // collector and the pool's spin limit, which this program's runtimeconfig gives both).
        start.Environment[ServerlessChat.Standalone.Realtime.FanOutBufferPool.Variable] = ServerlessChat.Standalone.Realtime.FanOutBufferPool.Value;
        start.ArgumentList.Add(typeof(RelayServer).Assembly.Location);
        start.ArgumentList.Add(Argument);
        var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("The relay did not start.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith(ListeningPrefix, StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(new Uri(e.Data[ListeningPrefix.Length..] + "/"));
            }
        };
        process.BeginOutputReadLine();
        try
        {
            return (process, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>A connection to the relay for one user, WebSockets only, like the app's clients.</summary>
    public static HubConnection Connection(Uri address, string userId) =>
        new HubConnectionBuilder().WithUrl(new Uri(address, $"relay?user={Uri.EscapeDataString(userId)}"), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
        }).Build();
}

/// <summary>
/// The same deliveries as the app makes: a direct message to the receiver and the sender's connections (as the
/// app's <c>SendToUser</c> pair goes out as one multi-user send), a group message to the whole SignalR group.
/// </summary>
internal sealed class RelayHub : Hub
{
    public Task JoinGroup(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task SendToUser(string userId, string content) =>
        Clients.Users([userId, Context.UserIdentifier!]).SendAsync(LoadClients.NewMessage, new RelayMessage(content));

    public Task SendToGroup(string group, string content) =>
        Clients.Group(group).SendAsync(LoadClients.NewMessage, new RelayMessage(content));
}

internal sealed record RelayMessage(string Content);

/// <summary>No authentication on the floor: the user id is whatever the client puts in the query.</summary>
internal sealed class QueryUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.GetHttpContext()?.Request.Query["user"];
}
