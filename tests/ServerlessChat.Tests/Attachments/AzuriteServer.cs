using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ServerlessChat.Tests.Attachments;

/// <summary>
/// A private Azurite blob service (npm <c>azurite</c>) on a free loopback port with its own temp folder; no
/// telemetry. <c>.ci/run</c> installs it; with CI=true a missing Azurite fails the tests instead of skipping them.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    // Azurite's published development account; it opens nothing but this throwaway local emulator.
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _location;

    private AzuriteServer(Process process, string location, int port)
    {
        _process = process;
        _location = location;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccount};AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:{port}/{DevelopmentAccount};";
    }

    public static string? Binary { get; } = Find("azurite-blob") ?? Find("azurite");

    public static bool Required { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public const string SkipReason = "SKIP: Azurite is not installed (npm install -g azurite@3.37.0; .ci/run installs it)";

    public string ConnectionString { get; }

    public static async Task<AzuriteServer> StartAsync()
    {
        var binary = Binary ?? throw new InvalidOperationException(SkipReason);
        var location = Directory.CreateTempSubdirectory("serverlesschat-azurite-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--disableTelemetry", "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--silent", "--skipApiVersionCheck", "--location", location,
        })
        {
            start.ArgumentList.Add(argument);
        }
        if (Path.GetFileName(binary) == "azurite")
        {
            // The all-services binary also opens queue and table ports; give them free ones too.
            foreach (var argument in new[] { "--queuePort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--tablePort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
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
        return new AzuriteServer(process, location, port);
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
