using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Events;

/// <summary>
/// webhook-receiver.mjs in node, verifying signatures with the Standard Webhooks reference library (npm
/// <c>standardwebhooks</c>, installed once into a folder of its own).
/// </summary>
public sealed class NodeWebhookReceiver : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static string? _installed;

    private readonly Process _process;
    private readonly HttpClient _http;

    private NodeWebhookReceiver(Process process, Uri url, string secret)
    {
        _process = process;
        Url = url;
        Secret = secret;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    public string Secret { get; }

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static async Task<NodeWebhookReceiver> StartAsync(int failFirst = 0)
    {
        var node = NodeTools.RequireNode("the webhook receiver");
        var folder = await InstallAsync();
        var secret = NewSecret();
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("webhook-receiver.mjs");
        start.Environment["WEBHOOK_SECRET"] = secret;
        start.Environment["FAIL_FIRST"] = failFirst.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        var port = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (!int.TryParse(port, out _))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the receiver did not start: {port} {await process.StandardError.ReadToEndAsync()}");
        }
        return new NodeWebhookReceiver(process, new Uri($"http://127.0.0.1:{port}/"), secret);
    }

    private static async Task<string> InstallAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            if (_installed is null)
            {
                var folder = Directory.CreateTempSubdirectory("serverlesschat-webhooks-").FullName;
                await File.WriteAllTextAsync(Path.Combine(folder, "package.json"), """{ "name": "webhook-receiver", "private": true, "type": "module" }""");
                await NodeTools.RunAsync(NodeTools.Npm, folder, "install", "--no-audit", "--no-fund", "--ignore-scripts", "standardwebhooks@1.1.1");
                File.Copy(Path.Combine(RepoPaths.Root, "tests", "ServerlessChat.Tests", "Events", "webhook-receiver.mjs"), Path.Combine(folder, "webhook-receiver.mjs"));
                _installed = folder;
            }
            return _installed;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>The host settings that make it deliver here.</summary>
    public Dictionary<string, string?> HostSettings(int index = 0) => new()
    {
        [$"Events__Webhooks__{index}__Url"] = new Uri(Url, "hook").ToString(),
        [$"Events__Webhooks__{index}__Secret"] = Secret,
        ["Events__RetryBaseMilliseconds"] = "100",
        ["Events__PollMilliseconds"] = "50",
    };

    public async Task<Received> ReceivedAsync()
    {
        var json = (await _http.GetFromJsonAsync<JsonObject>("received"))!;
        return new Received(
            json["accepted"]!.AsArray().Select(e => e!.AsObject()).ToList(),
            (int)json["refused"]!, (int)json["badSignatures"]!, (int)json["wrongContentType"]!);
    }

    public async Task SetFailingAsync(bool failing) =>
        (await _http.PostAsJsonAsync("failing", new { failing })).EnsureSuccessStatusCode();

    /// <summary>Polls until <paramref name="done"/> holds for what was received, failing after <paramref name="timeout"/>.</summary>
    public async Task<Received> WaitForAsync(Func<Received, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = await ReceivedAsync();
            if (done(received))
            {
                return received;
            }
            Assert.True(DateTime.UtcNow < until, $"the receiver did not get what was expected in {timeout}: {received.Accepted.Count} accepted, {received.Refused} refused");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public sealed record Received(List<JsonObject> Accepted, int Refused, int BadSignatures, int WrongContentType)
    {
        public IEnumerable<JsonObject> OfType(string type) => Accepted.Where(e => (string)e["type"]! == type);

        /// <summary>The first delivery of each event, in the order they came (a repeat of an event is allowed: at least once).</summary>
        public List<JsonObject> FirstDeliveries() => Accepted.DistinctBy(e => (string)e["id"]!).ToList();
    }
}
