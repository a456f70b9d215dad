using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Sync;
using ServerlessChat.Tests.Functions;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Sync;

/// <summary>
/// <c>checkpoint({cursor})</c>: a connection that changes reach gets a resume cursor every few seconds, so a
/// reconnect syncs what it missed (plus at most the settle window) instead of everything since it connected; and
/// a publish that fails holds the checkpoints back behind its change.
/// </summary>
public sealed class CheckpointTests
{
    private const int SettleSeconds = 1;

    [Fact]
    public async Task AResyncFromTheLastCheckpointReturnsWhatWasMissedAndAtMostTheSettleWindow()
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?> { ["Sync__SettleSeconds"] = $"{SettleSeconds}" });
        var sender = await ChatApiClient.RegisterAsync(host.Client, "ckpt");
        var reader = await ChatApiClient.RegisterAsync(host.Client, "ckpt");
        var groupId = (string)(await sender.CreateGroupAsync("checkpoints", reader.UserId))["id"]!;
        await using var client = await ChatView.ConnectAsync(host.BaseAddress, reader);
        var sent = new List<string>();

        // Live: group messages until the client has taken two checkpoints and most of what came live came before
        // the settle window of its last one (however fast the store takes sends).
        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (!Enough(client) && DateTimeOffset.UtcNow < deadline)
        {
            sent.Add((string)(await sender.SendMessageAsync(new { groupId, content = $"live {sent.Count}" }))["id"]!);
            await Task.Delay(50);
        }
        foreach (var id in sent)
        {
            await client.HasMessageAsync(id);
        }
        Assert.True(Enough(client), $"Checkpoints taken: {client.AdoptedCheckpoints().Count}; live changes: {client.LiveArrivals().Count}.");
        var recent = Recent(client);

        // A drop, and messages missed meanwhile (a direct one too), then the reconnect and its sync.
        await client.Client.DisconnectAsync();
        var syncs = client.Syncs;
        var missed = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            missed.Add((string)(await sender.SendMessageAsync(i % 5 == 0 ? new { receiverId = reader.UserId, content = $"missed {i}" } : new { groupId, content = $"missed {i}" }))["id"]!);
        }
        await client.SyncedAsync();
        await client.SyncedMoreThanAsync(syncs);

        foreach (var id in sent.Concat(missed))
        {
            await client.HasMessageAsync(id);
        }
        Assert.Empty(client.DeliveredTwice);
        Assert.InRange(client.LastSyncChanges, missed.Count, missed.Count + recent);
    }

    [Fact]
    public async Task AFailedPublishToSignalRServiceHoldsTheCheckpointsBackBehindItsChange()
    {
        await using var service = await RestDouble.StartAsync();
        var data = Directory.CreateTempSubdirectory("serverlesschat-checkpoints-").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Storage:Provider"] = "Sqlite",
            ["Storage:SqlitePath"] = Path.Combine(data, "chat.db"),
            ["Email:PickupDirectory"] = Path.Combine(data, "mail"),
            ["Sync:SettleSeconds"] = $"{SettleSeconds}",
            [AzureSignalROptions.ConnectionStringSetting] = $"Endpoint={service.Endpoint};AccessKey={FunctionsAppServices.AccessKey};Version=1.0;",
        });
        builder.AddChatCore();
        builder.AddAzureSignalRRealtime();
        builder.AddStoragePasswordResetQueue();
        builder.AddStorageAccountJobQueue();
        using var functions = builder.Build();
        await functions.StartAsync();
        try
        {
            var publisher = functions.Services.GetRequiredService<IRealtimePublisher>();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var (group, user) = ($"group-{Guid.NewGuid():N}", Guid.NewGuid().ToString("N"));

            var delivered = Deleted("g:a", now - 5_000);
            var toGroup = service.Count($"groups/{group}/");
            await publisher.PublishAsync([new SendToGroup(group, ChatHub.MessageDeleted, delivered.Dto)], CancellationToken.None);
            Assert.InRange(Watermark(await service.CheckpointAsync($"groups/{group}/", toGroup)), delivered.At, long.MaxValue);

            // The service refuses one change; the next ones go out, but no checkpoint passes the refused one.
            service.Answer = StatusCodes.Status403Forbidden;
            var refused = Deleted("g:a", now - 4_000);
            toGroup = service.Count($"groups/{group}/");
            var toUser = service.Count($"users/{user}/");
            await publisher.PublishAsync([new SendToGroup(group, ChatHub.MessageDeleted, refused.Dto)], CancellationToken.None);
            service.Answer = StatusCodes.Status202Accepted;
            var later = Deleted("d:b:c", now - 3_000);
            await publisher.PublishAsync([new SendToUser(user, ChatHub.MessageDeleted, later.Dto)], CancellationToken.None);

            Assert.InRange(Watermark(await service.CheckpointAsync($"users/{user}/", toUser)), delivered.At, refused.At - 1);
            Assert.InRange(Watermark(await service.CheckpointAsync($"groups/{group}/", toGroup)), delivered.At, refused.At - 1);
            toUser = service.Count($"users/{user}/");
            await publisher.PublishAsync([new SendToUser(user, ChatHub.MessageDeleted, Deleted("d:b:c", now - 2_000).Dto)], CancellationToken.None);
            Assert.InRange(Watermark(await service.CheckpointAsync($"users/{user}/", toUser)), delivered.At, refused.At - 1);
        }
        finally
        {
            await functions.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// What a sync from the last checkpoint taken may repeat: the live changes of its settle window, with a margin
    /// for the time the checkpoint took to arrive, and whatever came after it.
    /// </summary>
    private static int Recent(ChatView client)
    {
        var last = client.AdoptedCheckpoints()[^1].At;
        return client.LiveArrivals().Count(at => at >= last.AddSeconds(-SettleSeconds - 2));
    }

    private static bool Enough(ChatView client) =>
        client.AdoptedCheckpoints().Count >= 2 && Recent(client) < client.LiveArrivals().Count / 2;

    private static (long At, MessageDeletedDto Dto) Deleted(string conversationId, long at)
    {
        var change = new ChangeRecord(conversationId, 1, at, ChatHub.MessageDeleted, Guid.NewGuid().ToString("N"));
        return (at, new MessageDeletedDto(change.EntityId, conversationId, SyncCursor.ForChange(change)));
    }

    private static long Watermark(string cursor) => SyncCursor.TryDecode(cursor)!.Watermark;

    /// <summary>SignalR Service's REST API as far as sends go: answers with <see cref="Answer"/> and keeps the checkpoints sent.</summary>
    private sealed class RestDouble : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Path, string Cursor)> _checkpoints = new();
        private WebApplication _app = null!;

        public int Answer { get; set; } = StatusCodes.Status202Accepted;

        public string Endpoint { get; private set; } = "";

        public static async Task<RestDouble> StartAsync()
        {
            var double_ = new RestDouble();
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            double_._app = builder.Build();
            double_._app.Run(async context =>
            {
                var body = await JsonDocument.ParseAsync(context.Request.Body);
                if (body.RootElement.TryGetProperty("target", out var target) && target.GetString() == ChatHub.Checkpoint)
                {
                    double_._checkpoints.Enqueue((context.Request.Path.Value!, body.RootElement.GetProperty("arguments")[0].GetProperty("cursor").GetString()!));
                }
                context.Response.StatusCode = double_.Answer;
            });
            await double_._app.StartAsync();
            double_.Endpoint = double_._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return double_;
        }

        /// <summary>How many checkpoints went to a path containing <paramref name="audience"/> so far.</summary>
        public int Count(string audience) => _checkpoints.Count(c => c.Path.Contains(audience, StringComparison.Ordinal));

        /// <summary>The cursor of the checkpoint numbered <paramref name="index"/> (from 0) sent to a path containing <paramref name="audience"/>.</summary>
        public async Task<string> CheckpointAsync(string audience, int index)
        {
            var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
            while (DateTimeOffset.UtcNow < deadline)
            {
                var matching = _checkpoints.Where(c => c.Path.Contains(audience, StringComparison.Ordinal)).ToList();
                if (matching.Count > index)
                {
                    return matching[index].Cursor;
                }
                await Task.Delay(100);
            }
            throw new TimeoutException($"No checkpoint number {index} to {audience} within 30 s.");
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
