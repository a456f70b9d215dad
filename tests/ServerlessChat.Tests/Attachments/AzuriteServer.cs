using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessChat.Tests.Attachments;

/// <summary>
/// A private Azurite blob or queue service (npm <c>azurite</c>) on a free loopback port with its own temp folder; no
/// telemetry. <c>.ci/run</c> installs it; with CI=true a missing Azurite fails the tests instead of skipping them.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's published development account; it opens nothing but this throwaway local emulator.
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _location;

    private AzuriteServer(Process process, string location, string endpointName, int port)
    {
        _process = process;
        _location = location;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccount};AccountKey={DevelopmentKey};{endpointName}=http://127.0.0.1:{port}/{DevelopmentAccount};";
    }

    public static string? Binary { get; } = Find("azurite-blob") ?? Find("azurite");

    public static string? QueueBinary { get; } = Find("azurite-queue") ?? Find("azurite");

    private static readonly string[] Services = ["blob", "queue", "table"];

    public static bool Required { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public const string SkipReason = "SKIP: Azurite is not installed (npm install -g azurite@3.37.0; .ci/run installs it)";

    public string ConnectionString { get; }

    public static Task<AzuriteServer> StartAsync() => StartAsync(Binary, "blob", "BlobEndpoint");

    /// <summary>The queue service: its connection string has a QueueEndpoint only.</summary>
    public static Task<AzuriteServer> StartQueueAsync() => StartAsync(QueueBinary, "queue", "QueueEndpoint");

    private static async Task<AzuriteServer> StartAsync(string? found, string service, string endpointName)
    {
        var binary = found ?? throw new InvalidOperationException(SkipReason);
        var location = Directory.CreateTempSubdirectory("serverlesschat-azurite-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--disableTelemetry", $"--{service}Host", "127.0.0.1", $"--{service}Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--silent", "--skipApiVersionCheck", "--location", location,
        })
        {
            start.ArgumentList.Add(argument);
        }
        if (Path.GetFileName(binary) == "azurite")
        {
            // The all-services binary also opens the other services' ports; give them free loopback ones too.
            foreach (var other in Services.Where(s => s != service))
            {
                start.ArgumentList.Add($"--{other}Host");
                start.ArgumentList.Add("127.0.0.1");
                start.ArgumentList.Add($"--{other}Port");
                start.ArgumentList.Add(FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var output = new List<string>();
        process.OutputDataReceived += (_, e) => { lock (output) { output.Add(e.Data ?? ""); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.Add(e.Data ?? ""); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // --silent prints nothing, not even "listening": ready is when the port accepts a connection.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("Azurite exited during start:\n" + string.Join('\n', output));
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        return new AzuriteServer(process, location, endpointName, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
