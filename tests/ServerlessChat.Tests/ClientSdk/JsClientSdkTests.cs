using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ServerlessChat.Tests.Browser;
using ServerlessChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessChat.Tests.ClientSdk;

/// <summary>
/// The JS SDK (clients/js) as an app gets it: packed with <c>npm pack</c>, installed from the tarball into a fresh
/// folder (its dependencies from the registry), then a strict TypeScript app compiled against it and a Node
/// program run with it against a real standalone host. Also: its own unit tests, and its checked-in generated
/// types against the document the host serves now.
/// </summary>
public sealed class JsClientSdkTests(JsClientSdkTests.PackedSdk sdk, ITestOutputHelper output) : IClassFixture<JsClientSdkTests.PackedSdk>
{
    private static readonly string SdkDirectory = Path.Combine(RepoPaths.Root, "clients", "js");
    private static readonly string ProgramsDirectory = Path.Combine(RepoPaths.Root, "tests", "ServerlessChat.Tests", "ClientSdk");

    [SkippableFact]
    public async Task TheCheckedInTypesEqualThoseGeneratedFromTheDocumentTheHostServes()
    {
        var node = NodeTools.RequireNode("the JS SDK's generated-types check");
        await NodeTools.NpmCiAsync(SdkDirectory);
        var document = Path.Combine(Directory.CreateTempSubdirectory("serverlesschat-openapi-").FullName, "openapi.json");
        try
        {
            var served = await (await sdk.HostAsync()).Client.GetStringAsync("api/openapi.json");
            await File.WriteAllTextAsync(document, served);
            // Exits 1 naming the stale files: run `npm run generate -- <host url>` in clients/js and commit them.
            await NodeTools.RunAsync(node, SdkDirectory, Path.Combine("scripts", "generate.mjs"), document, "--check");

            var version = await File.ReadAllTextAsync(Path.Combine(SdkDirectory, "src", "generated", "apiVersion.ts"));
            Assert.Contains($"API_VERSION = \"{(string?)JsonNode.Parse(served)!["info"]!["version"]}\"", version, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(document)!, recursive: true);
        }
    }

    [SkippableFact]
    public async Task TheWebClientsCheckedInSdkBundleEqualsOneBuiltFromTheSdkSources()
    {
        var node = NodeTools.RequireNode("the web client's SDK bundle check");
        await NodeTools.NpmCiAsync(SdkDirectory);
        // Exits 1 naming the stale bundle: run `npm run bundle` in clients/js and commit
        // functions/ServerlessChat.Standalone/wwwroot/sdk/serverlesschat-client.js.
        var output = await NodeTools.RunAsync(node, SdkDirectory, Path.Combine("scripts", "bundle.mjs"), "--check");
        Assert.Contains("The bundle is current.", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TheSdkUnitTestsPass()
    {
        var node = NodeTools.RequireNode("the JS SDK's unit tests");
        var installed = await sdk.InstallAsync();
        // Built by the pack; node --test runs the test files against dist/.
        var output = await NodeTools.RunAsync(node, SdkDirectory, "--test", "test/");
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(installed));
    }

    [SkippableFact]
    public async Task AStrictTypeScriptAppCompilesAgainstThePackedSdkInstalledInAFreshFolder()
    {
        var node = NodeTools.RequireNode("the JS SDK's packed type check");
        var installed = await sdk.InstallAsync();
        File.Copy(Path.Combine(ProgramsDirectory, "consumer.ts"), Path.Combine(installed, "consumer.ts"), overwrite: true);

        // No skipLibCheck: the package's own declarations are checked too. Unused @ts-expect-error lines fail it.
        await NodeTools.RunAsync(node, installed, Path.Combine(SdkDirectory, "node_modules", "typescript", "bin", "tsc"),
            "--strict", "--noEmit", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
            "--lib", "es2022,dom", "consumer.ts");
    }

    [SkippableFact]
    public async Task TwoUsersOnThePackedSdkGetEveryChangeOnceThroughFlappingConnectionsAHostRestartAndAnOfflineOutbox()
    {
        var node = NodeTools.RequireNode("the JS SDK's flapping-connections program");
        var installed = await sdk.InstallAsync();
        File.Copy(Path.Combine(ProgramsDirectory, "flapping.mjs"), Path.Combine(installed, "flapping.mjs"), overwrite: true);
        var upstream = Path.Combine(installed, "upstream.txt");
        var host = await StandaloneHost.StartAsync(PackedSdk.HostSettings);
        var hosts = new List<StandaloneHost> { host };
        try
        {
            await WriteUpstreamAsync(upstream, host);
            var start = new ProcessStartInfo(node)
            {
                WorkingDirectory = installed,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                ArgumentList = { "flapping.mjs" },
                Environment = { ["HOST_URL"] = Url(host), ["UPSTREAM_FILE"] = upstream },
            };
            using var program = Process.Start(start)!;
            var stderr = program.StandardError.ReadToEndAsync();
            var lines = new List<string>();
            try
            {
                while (await program.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(4)) is { } line)
                {
                    lines.Add(line);
                    if (line == "RESTART")
                    {
                        // SIGKILL, then the same data on a new process (and port), which the program's proxies then reach.
                        await host.KillAsync();
                        host = await host.StartAgainAsync();
                        hosts.Add(host);
                        await WriteUpstreamAsync(upstream, host);
                    }
                }

                await program.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            }
            finally
            {
                if (!program.HasExited)
                {
                    program.Kill(entireProcessTree: true);
                }
            }

            Assert.True(program.ExitCode == 0, $"flapping.mjs exited with {program.ExitCode}:\n{string.Join('\n', lines)}\n{await stderr}");
            output.WriteLine(lines[^1]);
            var summary = JsonNode.Parse(lines[^1])!;
            Assert.Empty(summary["failures"]!.AsArray());
            Assert.Equal(1, (int)summary["restarts"]!);
            // The connections did flap, and each client came back through reconnects.
            Assert.All(summary["drops"]!.AsArray(), drops => Assert.True((int)drops! >= 5, $"only {drops} drops"));
            Assert.All(summary["reconnects"]!.AsArray(), reconnects => Assert.True((int)reconnects! >= 2, $"only {reconnects} reconnects"));
        }
        finally
        {
            foreach (var started in hosts)
            {
                await started.DisposeAsync();
            }
        }
    }

    private static string Url(StandaloneHost host) => host.BaseAddress.ToString().TrimEnd('/');

    /// <summary>Written whole and then moved into place, so the program never reads half an address.</summary>
    private static async Task WriteUpstreamAsync(string path, StandaloneHost host)
    {
        await File.WriteAllTextAsync(path + ".new", Url(host));
        File.Move(path + ".new", path, overwrite: true);
    }

    [SkippableFact]
    public async Task TheOutboxKeptInIndexedDbInChromiumSurvivesAReloadAndSendsEachMessageOnce()
    {
        NodeTools.RequireNode("the JS SDK's IndexedDB outbox test");
        if (!Chromium.Available(output))
        {
            return;
        }

        var installed = await sdk.InstallAsync();
        var modules = Path.Combine(installed, "node_modules");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        // The installed node_modules as a site; an import map resolves idb, the outbox module's one bare import.
        await page.RouteAsync("http://sdk.test/**", async route =>
        {
            var path = new Uri(route.Request.Url).AbsolutePath;
            if (path == "/")
            {
                await route.FulfillAsync(new()
                {
                    ContentType = "text/html",
                    Body = """<!doctype html><script type="importmap">{"imports":{"idb":"/idb/build/index.js"}}</script><p>outbox</p>""",
                });
                return;
            }

            var file = Path.GetFullPath(Path.Combine(modules, path.TrimStart('/')));
            Assert.StartsWith(modules, file, StringComparison.Ordinal);
            await route.FulfillAsync(new() { ContentType = "text/javascript", BodyBytes = await File.ReadAllBytesAsync(file) });
        });
        await page.GotoAsync("http://sdk.test/");

        // Offline: every send fails as fetch does without a network; ann's three messages stay queued.
        var queued = await page.EvaluateAsync<int>("""
            async () => {
              const { IndexedDbOutboxStore, Outbox } = await import("/@serverlesschat/client/dist/outbox.js");
              const outbox = new Outbox(new IndexedDbOutboxStore(), async () => { throw new TypeError("Failed to fetch"); }, () => {});
              for (const [n, userId] of [[0, "ann"], [1, "ann"], [2, "ann"], [3, "ben"]]) {
                const id = `cm-${n}`;
                await outbox.enqueue({ clientMessageId: id, userId, request: { receiverId: "x", content: `m${n}`, clientMessageId: id }, queuedAt: n });
              }
              await outbox.flush("ann");
              return (await outbox.pending("ann")).length;
            }
            """);
        Assert.Equal(3, queued);

        // After a reload (a new page, the same IndexedDB): three flushes at once send each of ann's messages once, in order.
        await page.ReloadAsync();
        var sent = await page.EvaluateAsync<string>("""
            async () => {
              const { IndexedDbOutboxStore, Outbox } = await import("/@serverlesschat/client/dist/outbox.js");
              const sent = [];
              const outbox = new Outbox(new IndexedDbOutboxStore(), async (item) => { sent.push(item.request.clientMessageId); return { id: item.clientMessageId }; }, () => {});
              await Promise.all([outbox.flush("ann"), outbox.flush("ann"), outbox.flush("ann")]);
              return `sent ${sent.join(",")}; ann ${(await outbox.pending("ann")).length} left; ben ${(await outbox.pending("ben")).length} left`;
            }
            """);
        Assert.Equal("sent cm-0,cm-1,cm-2; ann 0 left; ben 1 left", sent);
    }

    /// <summary>One pack and install and one host for the class: packing builds, and installing reaches the registry.</summary>
    public sealed class PackedSdk : IAsyncLifetime
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _installed;
        private StandaloneHost? _host;
        private string? _work;

        // Every reconnect of the flapping program negotiates; those cut off before connecting hold a slot of the
        // per-user cap for Limits:NegotiateReservationSeconds, so the cap is raised past what the drops leave.
        public static readonly Dictionary<string, string?> HostSettings = new() { ["Limits__MaxHubConnectionsPerUser"] = "1000" };

        public async Task<StandaloneHost> HostAsync()
        {
            await _gate.WaitAsync();
            try
            {
                return _host ??= await StandaloneHost.StartAsync(HostSettings);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>The fresh folder with the tarball installed, made once.</summary>
        public async Task<string> InstallAsync()
        {
            await _gate.WaitAsync();
            try
            {
                if (_installed is not null)
                {
                    return _installed;
                }

                await NodeTools.NpmCiAsync(SdkDirectory);
                _work = Directory.CreateTempSubdirectory("serverlesschat-js-sdk-").FullName;
                var packs = Directory.CreateDirectory(Path.Combine(_work, "packs")).FullName;
                // prepack builds dist/ with the package's own tsc.
                await NodeTools.RunAsync(NodeTools.Npm, SdkDirectory, "pack", "--pack-destination", packs, "--silent");
                var tarball = Directory.GetFiles(packs, "*.tgz").Single();

                var app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
                await File.WriteAllTextAsync(Path.Combine(app, "package.json"), """{ "name": "sdk-consumer", "private": true, "type": "module" }""");
                await NodeTools.RunAsync(NodeTools.Npm, app, "install", "--no-audit", "--no-fund", "--ignore-scripts", tarball);
                Assert.True(File.Exists(Path.Combine(app, "node_modules", "@serverlesschat", "client", "dist", "index.d.ts")),
                    "the installed package has no declarations");
                return _installed = app;
            }
            finally
            {
                _gate.Release();
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            if (_work is not null)
            {
                Directory.Delete(_work, recursive: true);
            }
        }
    }
}
