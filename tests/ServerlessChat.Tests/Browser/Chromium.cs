using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ServerlessChat.Tests.Browser;

/// <summary>
/// Debian's Chromium, driven through Playwright (Playwright's own browser builds cannot be downloaded here). Missing
/// chromium skips a browser test loudly, and fails it when CI=true.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly string[] Args =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    /// <summary>Fake camera and microphone, and no permission prompt: calls work headless.</summary>
    public static readonly string[] FakeMediaArgs = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"];

    public static bool Available(ITestOutputHelper output)
    {
        if (File.Exists(ExecutablePath))
        {
            return true;
        }

        Assert.False(
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
            $"{ExecutablePath} is missing; CI must install it (apt-get install -y chromium).");
        const string skip = "SKIP: browser test (install chromium)";
        Console.WriteLine(skip);
        output.WriteLine(skip);
        return false;
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs) =>
        playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true, Args = [.. Args, .. extraArgs] });

    /// <summary>
    /// A browser with a profile in <paramref name="userDataDir"/> rather than an incognito context: what the Push
    /// API needs (Chrome refuses push subscriptions in incognito).
    /// </summary>
    public static Task<IBrowserContext> LaunchWithProfileAsync(IPlaywright playwright, string userDataDir, BrowserTypeLaunchPersistentContextOptions? options = null)
    {
        options ??= new();
        options.ExecutablePath = ExecutablePath;
        options.Headless = true;
        options.Args = [.. Args, .. options.Args ?? []];
        return playwright.Chromium.LaunchPersistentContextAsync(userDataDir, options);
    }
}
