using System.Net;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Infrastructure;
using ServerlessChat.Tests.Realtime;

namespace ServerlessChat.Tests.Attachments;

/// <summary>An image whose processing job was lost while the host kept running is queued again by the sweep.</summary>
public sealed class StuckProcessingTests : IAsyncLifetime
{
    private StandaloneHost _host = null!;

    public async Task InitializeAsync() => _host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
    {
        ["Attachments__ProcessingTimeoutSeconds"] = "1",
        ["Attachments__RequeueProcessingAfterSeconds"] = "4",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnImageLeftProcessingByAFailedJobIsQueuedAgainAndFinishesWithoutARestart()
    {
        var alice = await ChatApiClient.RegisterAsync(_host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(_host.Client, "bob");
        await using var bobLive = await RealtimeClient.ConnectAsync(_host.BaseAddress, bob.UserId, bob.AccessToken);
        var id = await Uploads.UploadAsync(alice, "stuck.png", "image/png", TestFiles.Png(400, 300));
        // A folder where the processed image is to be written: the job's write throws, as a full or failing disk would.
        var blocker = Directory.CreateDirectory(Path.Combine(_host.DataDirectory, "attachments", "files", id));

        var messageId = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "stuck", attachmentIds = new[] { id } }))["id"]!;
        await WaitForOutputAsync($"Processing attachment {id} failed");
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.True((bool)history["items"]![0]!["attachments"]![0]!["processing"]!);

        blocker.Delete();

        var done = (await bobLive.WaitForAsync(ChatHub.MessageUpdated, m => m.Str("id") == messageId)).GetProperty("attachments")[0];
        Assert.False(done.GetProperty("processing").GetBoolean());
        Assert.Equal(400, done.GetProperty("width").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(_host.Client, done.GetProperty("thumbnailUrl").GetString()!)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Uploads.GetAsync(_host.Client, done.GetProperty("url").GetString()!)).StatusCode);
    }

    /// <summary>The host's log is the only sign of a failed background job; it is read as it grows, within a deadline.</summary>
    private async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow + RealtimeClient.Timeout;
        while (!_host.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the host never logged '{text}':\n{_host.Output}");
            await Task.Delay(50);
        }
    }
}
