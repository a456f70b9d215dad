using System.Diagnostics;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// Node and npm for the tests that drive JavaScript tooling (client generation, the JS SDK). Without node they
/// skip, saying so, except under CI=true, where .ci/run installs node and a missing one fails.
/// </summary>
public static class NodeTools
{
    private static readonly SemaphoreSlim NpmGate = new(1, 1);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The node executable; skips the test when it is missing outside CI, fails it under CI.</summary>
    public static string RequireNode(string what)
    {
        var node = FindOnPath("node");
        Skip.If(node is null && !IsCi, $"SKIP: node is not installed, so {what} did not run (CI installs it).");
        Assert.True(node is not null, $"node is missing; CI must install Node.js for {what}.");
        return node!;
    }

    public static string Npm => FindOnPath("npm") ?? throw new InvalidOperationException("npm is missing next to node.");

    /// <summary>
    /// <c>npm ci</c> in <paramref name="directory"/> unless its node_modules is current: npm writes
    /// node_modules/.package-lock.json on every install, older than the lock file exactly when stale.
    /// </summary>
    public static async Task NpmCiAsync(string directory)
    {
        await NpmGate.WaitAsync();
        try
        {
            var installed = new FileInfo(Path.Combine(directory, "node_modules", ".package-lock.json"));
            if (installed.Exists && installed.LastWriteTimeUtc >= File.GetLastWriteTimeUtc(Path.Combine(directory, "package-lock.json")))
            {
                return;
            }

            await RunAsync(Npm, directory, "ci", "--no-audit", "--no-fund", "--ignore-scripts");
        }
        finally
        {
            NpmGate.Release();
        }
    }

    /// <summary>Runs a program to its end and fails the test with its output unless it exits 0; returns its stdout.</summary>
    public static Task<string> RunAsync(string file, string directory, params string[] arguments) =>
        RunAsync(file, directory, new Dictionary<string, string>(), TimeSpan.FromMinutes(3), arguments);

    public static async Task<string> RunAsync(
        string file, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} ran longer than {timeout}.");
        }

        Assert.True(process.ExitCode == 0,
            $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
