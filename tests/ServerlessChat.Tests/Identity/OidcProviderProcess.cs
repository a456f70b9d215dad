using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Identity;

/// <summary>
/// tests/oidc-provider/provider.mjs: a real OpenID Connect provider (npm oidc-provider) on loopback, with an impostor
/// issuer sharing its keys and a rogue one using its name with keys it never published.
/// </summary>
public sealed class OidcProviderProcess : IAsyncDisposable
{
    public const string Audience = "urn:serverlesschat";
    public const string AdminAudience = "urn:serverlesschat-admin";

    private readonly Process _process;
    private readonly HttpClient _http = new();

    private OidcProviderProcess(Process process, JsonNode urls)
    {
        _process = process;
        Issuer = (string)urls["issuer"]!;
        Impostor = (string)urls["impostor"]!;
        Rogue = (string)urls["rogue"]!;
    }

    public string Issuer { get; }
    public string Impostor { get; }
    public string Rogue { get; }

    public static async Task<OidcProviderProcess> StartAsync()
    {
        var node = NodeTools.RequireNode("the OpenID Connect provider");
        var directory = Path.Combine(RepoPaths.Root, "tests", "oidc-provider");
        await NodeTools.NpmCiAsync(directory);
        var process = Process.Start(new ProcessStartInfo(node, ["provider.mjs", Audience])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
            ?? throw new InvalidOperationException("The OpenID provider exited before it listened.");
        return new OidcProviderProcess(process, JsonNode.Parse(line)!);
    }

    /// <summary>An access token from <paramref name="server"/> (default the trusted issuer) carrying <paramref name="request"/>'s claims.</summary>
    public async Task<string> TokenAsync(object request, string? server = null)
    {
        var response = await _http.PostAsJsonAsync($"{server ?? Issuer}/__token", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"the provider refused a token: {body}");
        return (string)JsonNode.Parse(body)!["access_token"]!;
    }

    /// <summary>New signing keys go first; the old ones stay published.</summary>
    public async Task RotateAsync() => (await _http.PostAsync($"{Issuer}/__rotate", null)).EnsureSuccessStatusCode();

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
}
