using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessChat.LoadTest;
using ServerlessChat.Tests.Infrastructure;
using static PushSyncBenchmark;

/// <summary>
/// --export: one user with --messages messages (spread over a few conversations) and --attachment-mib MiB of
/// attachments asks for its export (POST /api/users/me/export) on a standalone host with SQLite and the FileSystem
/// blob store; the time until GET answers ready, the ZIP's size, and the host's resident memory before, during
/// (sampled) and its peak, so a ZIP held in memory would show as a rise of its size. The ZIP is then downloaded
/// and its entries counted, so a fast but incomplete export cannot pass.
/// </summary>
internal static class ExportBenchmark
{
    private const int FileMiB = 4;

    public static async Task<int> RunAsync(int messages, int attachmentMiB)
    {
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Attachments__UploadsPerMinute"] = "100000",
        });
        Console.WriteLine($"host: {host.BaseAddress}");

        var owner = await RegisterAsync(host, "expo");
        var peers = new List<User>();
        for (var i = 0; i < 4; i++)
        {
            peers.Add(await RegisterAsync(host, "expp"));
        }

        var clock = Stopwatch.StartNew();
        var files = attachmentMiB / FileMiB;
        using var bare = new HttpClient { BaseAddress = host.BaseAddress };
        var attachmentIds = new List<string>();
        for (var i = 0; i < files; i++)
        {
            attachmentIds.Add(await UploadAsync(owner, bare, i));
        }

        // The files ride on the first messages, one each; the rest are text.
        await ForEachAsync(messages, 16, i => SendAsync(owner, i < attachmentIds.Count
            ? new { receiverId = peers[i % peers.Count].Id, content = $"file {i}", attachmentIds = new[] { attachmentIds[i] } }
            : new { receiverId = peers[i % peers.Count].Id, content = $"message {i} with some words to make it look like a chat line" }));
        Console.WriteLine($"seeded {messages:N0} messages and {files} files of {FileMiB} MiB in {clock.Elapsed.TotalSeconds:N1} s");

        var before = ProcStats.ResidentMegabytes(host.ProcessId);
        clock.Restart();
        var started = await ReadAsync(await owner.Http.PostAsync("api/users/me/export", null), HttpStatusCode.Accepted);
        var id = (string)started["id"]!;
        var highest = before;
        JsonNode state;
        while (true)
        {
            highest = Math.Max(highest, ProcStats.ResidentMegabytes(host.ProcessId));
            state = await ReadAsync(await owner.Http.GetAsync($"api/users/me/export/{id}"), HttpStatusCode.OK);
            if ((string)state["status"]! != "running")
            {
                break;
            }

            await Task.Delay(50);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        if ((string)state["status"]! != "ready")
        {
            Console.WriteLine($"export {id} ended {(string)state["status"]!}");
            return 1;
        }

        var zipPath = Path.Combine(host.DataDirectory, "export-download.zip");
        await using (var download = await bare.GetStreamAsync((string)state["url"]!))
        await using (var file = File.Create(zipPath))
        {
            await download.CopyToAsync(file);
        }

        int lines;
        int entries;
        using (var zip = ZipFile.OpenRead(zipPath))
        {
            entries = zip.Entries.Count(e => e.FullName.StartsWith("attachments/", StringComparison.Ordinal));
            using var reader = new StreamReader(zip.GetEntry("messages.jsonl")!.Open());
            lines = 0;
            while (await reader.ReadLineAsync() is not null)
            {
                lines++;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()} on {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("Export (POST /api/users/me/export until GET answers ready; standalone host, SQLite, FileSystem blob store)");
        Console.WriteLine("| messages | attachments | ZIP MiB | seconds | host RSS before MiB | highest RSS sampled MiB | host peak RSS MiB |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {lines:N0} | {entries} x {FileMiB} MiB | {new FileInfo(zipPath).Length / 1048576.0:N1} | {seconds:N1} | {before:N0} | {highest:N0} | {ProcStats.PeakMegabytes(host.ProcessId):N0} |"));
        return lines == messages && entries == files ? 0 : 1;
    }

    /// <summary>A PDF by its signature, random bytes after it (so nothing compresses), uploaded to its signed URL.</summary>
    private static async Task<string> UploadAsync(User owner, HttpClient bare, int index)
    {
        var bytes = new byte[FileMiB * 1024 * 1024];
        Random.Shared.NextBytes(bytes);
        "%PDF-1.4\n"u8.CopyTo(bytes);
        var slot = await ReadAsync(await owner.Http.PostAsJsonAsync("api/attachments", new { fileName = $"file-{index}.pdf", contentType = "application/pdf", size = bytes.Length }), HttpStatusCode.Created);
        using var put = new HttpRequestMessage(new HttpMethod((string)slot["uploadMethod"]!), (string)slot["uploadUrl"]!) { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in slot["uploadHeaders"]!.AsObject())
        {
            if (!put.Headers.TryAddWithoutValidation(name, (string)value!))
            {
                put.Content.Headers.TryAddWithoutValidation(name, (string)value!);
            }
        }

        using var uploaded = await bare.SendAsync(put);
        if (!uploaded.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"upload answered {(int)uploaded.StatusCode}");
        }

        return (string)slot["id"]!;
    }
}
