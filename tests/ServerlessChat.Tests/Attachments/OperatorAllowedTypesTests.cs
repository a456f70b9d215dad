using System.Net;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Attachments;

/// <summary>A host whose operator allows SVG: it is accepted, and only ever served as a download with nosniff.</summary>
public sealed class OperatorAllowedTypesTests : IAsyncLifetime
{
    private StandaloneHost _host = null!;

    public async Task InitializeAsync() => _host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
    {
        ["Attachments__AllowedTypes__0"] = "image/svg+xml",
        ["Attachments__AllowedTypes__1"] = "text/plain",
        ["Attachments__MaxBytes"] = "1000",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnAllowedSvgIsServedOnlyAsADownloadWithNosniff()
    {
        var alice = await ChatApiClient.RegisterAsync(_host.Client, "alice");
        var bob = await ChatApiClient.RegisterAsync(_host.Client, "bob");
        var svg = TestFiles.SvgWithScript();
        var id = await Uploads.UploadAsync(alice, "drawing.svg", "image/svg+xml", svg);

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "", attachmentIds = new[] { id } });

        var attachment = message["attachments"]![0]!;
        Assert.False((bool)attachment["processing"]!);
        var download = await Uploads.GetAsync(_host.Client, (string)attachment["url"]!);
        Assert.Equal(svg, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/svg+xml", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("drawing.svg", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypesOutsideTheOperatorsListAndSizesOverItsLimitAreRefused()
    {
        var alice = await ChatApiClient.RegisterAsync(_host.Client, "alice");

        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "a.png", contentType = "image/png", size = 10 }), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/attachments", new { fileName = "a.txt", contentType = "text/plain", size = 1001 }), HttpStatusCode.RequestEntityTooLarge);
        await Uploads.SlotAsync(alice, "a.txt", "text/plain", 1000);
    }

    [Fact]
    public async Task AHostWithATypeItCannotRecognizeRefusesToStart()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Attachments__AllowedTypes__0"] = "application/x-msdownload",
        }));

        Assert.Contains("Attachments:AllowedTypes", error.Message, StringComparison.Ordinal);
    }
}
