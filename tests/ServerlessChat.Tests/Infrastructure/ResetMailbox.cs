using System.Text.RegularExpressions;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// The reset emails a host wrote into its pickup directory. They are sent in the background after the 202, so
/// reading one waits for it (with a timeout) instead of expecting it on disk at once.
/// </summary>
public static partial class ResetMailbox
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The reset tokens mailed to <paramref name="email"/>, once there are at least <paramref name="count"/>.</summary>
    public static async Task<IReadOnlyList<string>> WaitForTokensAsync(string mailDirectory, string email, int count = 1)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var tokens = Read(mailDirectory, email);
            if (tokens.Count >= count)
            {
                return tokens;
            }

            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{tokens.Count} of {count} reset emails for {email} in {mailDirectory} after {Timeout.TotalSeconds} s");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    public static async Task<string> WaitForTokenAsync(string mailDirectory, string email) =>
        Assert.Single(await WaitForTokensAsync(mailDirectory, email));

    public static IReadOnlyList<string> Read(string mailDirectory, string email)
    {
        if (!Directory.Exists(mailDirectory))
        {
            return [];
        }

        var tokens = new List<string>();
        foreach (var file in Directory.EnumerateFiles(mailDirectory, "*.eml"))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                // Still being written: read on the next round.
                continue;
            }

            if (text.Contains(email, StringComparison.OrdinalIgnoreCase) && ResetLink().Match(text) is { Success: true } link)
            {
                tokens.Add(Uri.UnescapeDataString(link.Groups[1].Value));
            }
        }

        return tokens;
    }

    // Email:ResetUrlBase is left at its default in the test hosts.
    [GeneratedRegex(@"http://localhost:7071/reset-password\?token=([A-Za-z0-9_%\-]+)")]
    private static partial Regex ResetLink();
}
