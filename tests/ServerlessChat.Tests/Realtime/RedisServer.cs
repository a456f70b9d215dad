using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessChat.Tests.Realtime;

/// <summary>A private redis-server on a free loopback port, without persistence, for the multi-instance tests.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        ConnectionString = $"127.0.0.1:{port}";
    }

    /// <summary>The redis-server binary on PATH, or null.</summary>
    public static string? Binary { get; } = FindBinary();

    public string ConnectionString { get; }

    /// <summary>Whether the redis tests run: the binary is there, or this is CI, where its absence is a failure.</summary>
    public static bool Required { get; } =
        Binary is not null || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static async Task<RedisServer> StartAsync()
    {
        var binary = Binary ?? throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server; .ci/run installs it).");
        var port = FreePort();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited during start."));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new RedisServer(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);
}

/// <summary>
/// A fact that needs redis-server: skipped with a message when the binary is missing on a developer machine,
/// run (and failing) on CI, where .ci/run installs it and a skip would hide a gap.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (!RedisServer.Required)
        {
            Skip = "redis-server is not installed (apt-get install -y redis-server); .ci/run installs it.";
        }
    }
}
