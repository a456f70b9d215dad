using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Events;

/// <summary>
/// The before-send hook against a hook server on Kestrel that checks each call's Standard Webhooks signature and
/// answers by the first word of the content: allow, reject, replace, slow, fail, huge, redirect.
/// </summary>
public sealed class BeforeSendHookTests : IClassFixture<BeforeSendHookTests.HookServer>
{
    private readonly HookServer _hook;

    public BeforeSendHookTests(HookServer hook) => _hook = hook;

    [Fact]
    public async Task TheHookAllowsRejectsAndReplacesSendsAndEdits()
    {
        await using var host = await StandaloneHost.StartAsync(_hook.HostSettings(failOpen: true));
        var alice = await ChatApiClient.RegisterAsync(host.Client, "hkalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "hkbob");

        var allowed = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "allow this one" });
        Assert.Equal("allow this one", (string)allowed["content"]!);
        Assert.True(_hook.CallsWith("allow this one").Count == 1, host.Output);
        var call = _hook.CallsWith("allow this one").Single();
        Assert.True(call.SignatureValid);
        Assert.Equal(alice.UserId, (string)call.Body["senderId"]!);
        Assert.Equal((string)allowed["conversationId"]!, (string)call.Body["conversationId"]!);
        Assert.Empty(call.Body["attachmentIds"]!.AsArray());

        var rejected = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "reject me please" }), HttpStatusCode.BadRequest);
        Assert.Equal("not on our platform", (string)rejected["detail"]!);

        var replaced = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "replace the words" });
        Assert.Equal("said nicely", (string)replaced["content"]!);

        // An edit goes through the hook too, with the message's conversation.
        var edited = await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{allowed["id"]}", new { content = "replace on edit" }), HttpStatusCode.OK);
        Assert.Equal("said nicely", (string)edited["content"]!);
        await ChatApiClient.ReadProblemAsync(await alice.PatchAsync($"api/messages/{allowed["id"]}", new { content = "reject the edit" }), HttpStatusCode.BadRequest);

        // A replacement passes the content filter like any text: a blocked term is refused.
        var filtered = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "replace with blocked" }), HttpStatusCode.BadRequest);
        Assert.NotNull(filtered["errors"]!["content"]);

        // Nothing refused was stored.
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.Equal(["said nicely", "said nicely"], history["items"]!.AsArray().Select(m => (string)m!["content"]!).Order());
    }

    [Fact]
    public async Task AFailingSlowOrOversizedHookLetsMessagesThroughWhenFailOpenWithinItsTimeout()
    {
        await using var host = await StandaloneHost.StartAsync(_hook.HostSettings(failOpen: true));
        var alice = await ChatApiClient.RegisterAsync(host.Client, "foalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "fobob");
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var content in new[] { $"fail {tag}", $"huge {tag}", $"redirect {tag}", $"slow {tag}" })
        {
            var watch = Stopwatch.StartNew();
            var sent = await alice.SendMessageAsync(new { receiverId = bob.UserId, content });
            Assert.Equal(content, (string)sent["content"]!);
            // The hook's timeout is 2 s; the slow hook answers after 10 s.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"'{content}' took {watch.Elapsed}");
        }
        Assert.Single(_hook.CallsWith($"redirect {tag}"));
        Assert.Empty(_hook.CallsWith("followed the redirect"));
    }

    [Fact]
    public async Task AFailingSlowOrOversizedHookRefusesMessagesWith503WhenFailClosed()
    {
        await using var host = await StandaloneHost.StartAsync(_hook.HostSettings(failOpen: false));
        var alice = await ChatApiClient.RegisterAsync(host.Client, "fcalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "fcbob");
        var tag = Guid.NewGuid().ToString("N")[..8];
        foreach (var content in new[] { $"fail {tag}", $"huge {tag}", $"redirect {tag}", $"slow {tag}" })
        {
            var problem = await ChatApiClient.ReadProblemAsync(await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content }), HttpStatusCode.ServiceUnavailable);
            Assert.DoesNotContain("http", (string)problem["detail"]!, StringComparison.OrdinalIgnoreCase);
        }
        var allowed = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "allow still works" });
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}"), HttpStatusCode.OK);
        Assert.Equal([(string)allowed["id"]!], history["items"]!.AsArray().Select(m => (string)m!["id"]!));
    }

    [Fact]
    public async Task ConcurrentSendsEachPassTheHookOnce()
    {
        // A deadline far beyond a loaded machine's worst: this is about each send passing once, not about time.
        await using var host = await StandaloneHost.StartAsync(_hook.HostSettings(failOpen: false, timeoutMilliseconds: 20_000));
        var alice = await ChatApiClient.RegisterAsync(host.Client, "ccalice");
        var bob = await ChatApiClient.RegisterAsync(host.Client, "ccbob");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var sent = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => i % 4 == 0
            ? alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = $"reject {tag} {i}" })
            : alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = $"allow {tag} {i}" })));
        Assert.Equal(10, sent.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        Assert.Equal(30, sent.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(40, _hook.CallsWith(tag).Count);
        Assert.All(_hook.CallsWith(tag), c => Assert.True(c.SignatureValid));
        var history = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/messages?with={alice.UserId}&limit=100"), HttpStatusCode.OK);
        Assert.Equal(30, history["items"]!.AsArray().Count);
    }

    public sealed record HookCall(JsonObject Body, bool SignatureValid);

    public sealed class HookServer : IAsyncLifetime
    {
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
        private readonly ConcurrentBag<HookCall> _calls = [];
        private WebApplication? _app;

        public string Secret => "whsec_" + Convert.ToBase64String(_key);

        public Uri Url { get; private set; } = null!;

        public IReadOnlyList<HookCall> CallsWith(string text) =>
            _calls.Where(c => ((string?)c.Body["content"])?.Contains(text, StringComparison.Ordinal) == true).ToList();

        public Dictionary<string, string?> HostSettings(bool failOpen, int timeoutMilliseconds = 2000) => new()
        {
            ["Events__BeforeSend__Url"] = new Uri(Url, "check").ToString(),
            ["Events__BeforeSend__Secret"] = Secret,
            ["Events__BeforeSend__TimeoutMilliseconds"] = timeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Events__BeforeSend__FailOpen"] = failOpen ? "true" : "false",
            ["Moderation__BlockedTerms__0"] = "badword",
        };

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPost("/check", HandleAsync);
            _app.MapPost("/elsewhere", async context =>
            {
                _calls.Add(new HookCall(new JsonObject { ["content"] = "followed the redirect" }, false));
                await context.Response.WriteAsJsonAsync(new { action = "allow" });
            });
            await _app.StartAsync();
            Url = new Uri(_app.Urls.Single() + "/");
        }

        private async Task HandleAsync(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            var body = JsonNode.Parse(text)!.AsObject();
            _calls.Add(new HookCall(body, SignatureValid(context.Request.Headers, text)));
            var content = (string)body["content"]!;
            switch (content.Split(' ')[0])
            {
                case "reject":
                    await context.Response.WriteAsJsonAsync(new { action = "reject", reason = "not on our platform" });
                    break;
                case "replace":
                    await context.Response.WriteAsJsonAsync(new { action = "replace", content = content.Contains("blocked", StringComparison.Ordinal) ? "a badword here" : "said nicely" });
                    break;
                case "fail":
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    break;
                case "huge":
                    await context.Response.WriteAsJsonAsync(new { action = "allow", padding = new string('x', 200_000) });
                    break;
                case "redirect":
                    context.Response.Redirect(new Uri(Url, "elsewhere").ToString(), permanent: false, preserveMethod: true);
                    break;
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    await context.Response.WriteAsJsonAsync(new { action = "allow" });
                    break;
                default:
                    await context.Response.WriteAsJsonAsync(new { action = "allow" });
                    break;
            }
        }

        /// <summary>Standard Webhooks, checked here from the specification: HMAC-SHA256 of "id.timestamp.body", base64, "v1,".</summary>
        private bool SignatureValid(IHeaderDictionary headers, string body)
        {
            var id = headers["webhook-id"].ToString();
            var timestamp = headers["webhook-timestamp"].ToString();
            if (id.Length == 0 || !long.TryParse(timestamp, out var seconds) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
            {
                return false;
            }
            var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
            return headers["webhook-signature"].ToString().Split(' ').Contains(expected);
        }

        public async Task DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }
}
