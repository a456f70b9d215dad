using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>
/// The standalone host as a real process on loopback: real Kestrel, real HTTP, real SQLite file. A process (not
/// an in-memory test server) so tests can kill it without warning and start it again on the same data.
/// </summary>
public sealed partial class StandaloneHost : IAsyncDisposable
{
    public const string TestSigningKey = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    private readonly Process _process;
    private readonly List<string> _output = [];

    private StandaloneHost(Process process, Uri baseAddress, string dataDirectory, IReadOnlyDictionary<string, string?> settings)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        Settings = settings;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public string DataDirectory { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Whether disposing this host deletes the data folder; a restarted host takes the folder over.</summary>
    private bool OwnsData { get; set; } = true;

    public HttpClient Client { get; }

    /// <summary>The host process, for reading its memory and CPU from /proc (the load program does).</summary>
    public int ProcessId => _process.Id;

    public string MailDirectory => Path.Combine(DataDirectory, "mail");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// Starts a host on a fresh data folder (or the given one) with test defaults overridden by <paramref name="settings"/>;
    /// with <paramref name="openFilesLimit"/>, under that RLIMIT_NOFILE (soft and hard, so the runtime cannot raise it);
    /// on <paramref name="port"/> of 127.0.0.1 (0: any free one).
    /// </summary>
    public static async Task<StandaloneHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, string? dataDirectory = null, int? openFilesLimit = null, string? hostOutput = null, int port = 0)
    {
        dataDirectory ??= Directory.CreateTempSubdirectory("serverlesschat-test-").FullName;
        var effective = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Auth__JwtSigningKey"] = TestSigningKey,
            ["Auth__BcryptWorkFactor"] = "4",
            ["Email__PickupDirectory"] = Path.Combine(dataDirectory, "mail"),
            ["RateLimiting__AuthPermitsPerMinute"] = "100000",
            ["RateLimiting__PermitsPerMinute"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            // Tests of other features make groups of fresh users who never wrote to each other; the privacy tests
            // (GroupPrivacyTests) run with the shipped default, contacts.
            ["Privacy__DefaultGroupAdds"] = "Everyone",
            // The link preview tests serve their pages on loopback.
            ["Links__AllowPrivateAddresses"] = "true",
        };
        foreach (var (key, value) in TestStorage.HostSettings(dataDirectory, TestStorage.MongoConnectionString).Concat(settings ?? new Dictionary<string, string?>()))
        {
            effective[key] = value;
        }

        // hostOutput: another build of the host (the benchmark compares one against this one).
        var output = hostOutput ?? RepoPaths.ProjectOutput("ServerlessChat.Standalone");
        var start = new ProcessStartInfo(openFilesLimit is null ? "dotnet" : "prlimit")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (openFilesLimit is { } limit)
        {
            // prlimit execs dotnet in its place, so the process id is the host's.
            start.ArgumentList.Add(FormattableString.Invariant($"--nofile={limit}:{limit}"));
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(output, "ServerlessChat.Standalone.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(FormattableString.Invariant($"http://127.0.0.1:{port}"));
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(output);
        foreach (var (key, value) in effective)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The host did not start.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // WaitForExitAsync completes only once both output streams are read to their end (the Exited event can come
        // before the last lines), so the message carries everything the host printed.
        _ = process.WaitForExitAsync().ContinueWith(_ =>
        {
            lock (lines)
            {
                listening.TrySetException(new InvalidOperationException("The host exited during start:\n" + string.Join('\n', lines)));
            }
        }, TaskScheduler.Default);

        Uri address;
        try
        {
            address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw;
        }

        var host = new StandaloneHost(process, address, dataDirectory, effective);
        lock (lines)
        {
            host._output.AddRange(lines);
        }

        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        return host;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine or container dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host shuts down cleanly.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The host did not stop within 30 s of SIGTERM. Its last output:\n{string.Join('\n', Output.Split('\n').TakeLast(60))}", e);
        }
    }

    /// <summary>
    /// A new host process on the same data and settings, with <paramref name="changed"/> settings over them; with
    /// <paramref name="sameAddress"/>, on this one's port (a page loaded from it reconnects to the new process).
    /// </summary>
    public Task<StandaloneHost> StartAgainAsync(IReadOnlyDictionary<string, string?>? changed = null, bool sameAddress = false)
    {
        OwnsData = false;
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in changed ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return StartAsync(settings, DataDirectory, port: sameAddress ? BaseAddress.Port : 0);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await KillAsync();
        _process.Dispose();
        if (!OwnsData)
        {
            return;
        }

        await TestStorage.DropAsync(Settings);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A restarted host on the same folder may still be closing its files; the temp folder is cleaned by the OS.
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Add(line);
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
