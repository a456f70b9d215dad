using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Tests.Attachments;
using ServerlessChat.Tests.Infrastructure;
using SkiaSharp;

/// <summary>
/// --attachments: what an image message costs, step by step, as a browser does it: an upload slot
/// (POST /api/attachments), the bytes to the slot's URL, the send naming the attachment, then the thumbnail's
/// download; and the time from the send until the thumbnail exists (the receiver's messageUpdated over SignalR).
/// Against the standalone host with its FileSystem store, and with Azure Blob Storage on Azurite when Azurite is
/// installed. Each image is the same 1 MiB JPEG (photo-like noise, 1 MiB give or take a few bytes).
/// </summary>
internal static class AttachmentsBenchmark
{
    public static async Task<int> RunAsync(int requests, int concurrency, string stores)
    {
        var jpeg = OneMebibyteJpeg();
        Console.WriteLine($"image: JPEG {jpeg.Width}x{jpeg.Height}, {jpeg.Bytes.Length:N0} bytes");
        var tables = new List<(string Store, List<(string Name, Stats Stats)> Rows)>();
        if (stores is "both" or "filesystem")
        {
            tables.Add(("FileSystem", await MeasureAsync(new Dictionary<string, string?>(), jpeg.Bytes, requests, concurrency)));
        }

        if (stores is "both" or "azurite")
        {
            if (AzuriteServer.Binary is null)
            {
                Console.WriteLine("azurite not found on PATH: AzureBlob skipped (npm install -g azurite)");
            }
            else
            {
                await using var azurite = await AzuriteServer.StartAsync();
                tables.Add(("AzureBlob on Azurite", await MeasureAsync(new Dictionary<string, string?>
                {
                    ["Attachments__Provider"] = "AzureBlob",
                    ["Attachments__BlobConnectionString"] = azurite.ConnectionString,
                }, jpeg.Bytes, requests, concurrency)));
            }
        }

        var failed = 0;
        foreach (var (store, rows) in tables)
        {
            Console.WriteLine();
            Console.WriteLine($"{store}: {requests} images a row at concurrency {concurrency}, JPEG of {jpeg.Bytes.Length:N0} bytes; client and host on one shared 2-core machine");
            Console.WriteLine("| step | per second | p50 ms | p95 ms | p99 ms | failed |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (name, stats) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {stats.PerSecond:N1} | {stats.P50:N1} | {stats.P95:N1} | {stats.P99:N1} | {stats.Failed} |"));
                failed += stats.Failed;
            }
        }

        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// --photos: 12 MP camera-sized JPEGs (4000x3000) on the standalone host's FileSystem store. First one photo at a
    /// time, send to thumbnail (the receiver's messageUpdated); then <paramref name="burst"/> photos sent one after
    /// another, each waited for, against the same number sent at once, from the first send to the last thumbnail.
    /// The uploads happen before each timing starts: what is timed is what the server does after the sends. With
    /// <paramref name="baselineOutput"/> (another build's standalone output folder) the same runs on that build
    /// follow at once, so that a busy shared machine weighs on both alike.
    /// </summary>
    public static async Task<int> PhotosAsync(int singles, int burst, string? baselineOutput)
    {
        var photo = PhotoJpeg(4000, 3000);
        var builds = new List<(string Build, PhotoFigures Figures)> { ("this build", await PhotosOnAsync(photo, singles, burst, null)) };
        if (baselineOutput is not null)
        {
            builds.Add(("baseline", await PhotosOnAsync(photo, singles, burst, baselineOutput)));
        }

        Console.WriteLine();
        Console.WriteLine($"12 MP photos (JPEG 4000x3000, {photo.Length:N0} bytes), FileSystem store, {Environment.ProcessorCount} cores shared by client and host; uploads done before each timing");
        Console.WriteLine($"| build | one photo, send to thumbnail p50 / p95 ms ({singles} one after another; target p50 < 500) | {burst} one after another s | {burst} at once s | at once against one after another (target <= 0.65x) | failed | load average before |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (build, f) in builds)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {build} | {f.Alone.P50:N0} / {f.Alone.P95:N0} | {f.Sequential:N2} | {f.AtOnce:N2} | {f.AtOnce / f.Sequential:N2}x | {f.Failed} | {f.LoadBefore} |"));
        }

        Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
        return builds.All(b => b.Figures.Failed == 0) ? 0 : 1;
    }

    private sealed record PhotoFigures(Stats Alone, double Sequential, double AtOnce, int Failed, string LoadBefore);

    private static async Task<PhotoFigures> PhotosOnAsync(byte[] photo, int singles, int burst, string? hostOutput)
    {
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Attachments__UploadsPerMinute"] = "100000",
        }, hostOutput: hostOutput);
        var (sender, _) = await RegisterAsync(host, "photo-sender");
        var (receiver, receiverId) = await RegisterAsync(host, "photo-receiver");
        var bare = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        await using var watch = await ThumbnailWatch.StartAsync(host, receiver);
        var failed = 0;

        async Task<string[]> UploadAllAsync(int count) =>
            (await Task.WhenAll(Enumerable.Range(0, count).Select(i => UploadAsync(sender, bare, photo, $"photo-{i}.jpg"))))
                .Select(u => u.AttachmentId ?? throw new InvalidOperationException("an upload failed")).ToArray();

        // The send, then its thumbnail: when the send started and when the thumbnail was announced (null: failed).
        async Task<(long Start, long? Ready)> SendAsync(string attachmentId)
        {
            var start = Stopwatch.GetTimestamp();
            using var sent = await sender.PostAsJsonAsync("api/messages", new { receiverId, content = "photo", attachmentIds = new[] { attachmentId } });
            if (!sent.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failed);
                return (start, null);
            }

            var messageId = (string)JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["id"]!;
            if (!await watch.WaitAsync(messageId))
            {
                Interlocked.Increment(ref failed);
                return (start, null);
            }

            return (start, watch.ReadyAt[messageId]);
        }

        // Warm-up, unmeasured: JIT, SkiaSharp's first decode, the connections.
        foreach (var id in await UploadAllAsync(2))
        {
            await SendAsync(id);
        }

        var alone = new List<double>();
        foreach (var id in await UploadAllAsync(singles))
        {
            if (await SendAsync(id) is (var start, { } ready))
            {
                alone.Add(Stopwatch.GetElapsedTime(start, ready).TotalMilliseconds);
            }
        }

        double Span(IReadOnlyCollection<(long Start, long? Ready)> runs) =>
            Stopwatch.GetElapsedTime(runs.Min(r => r.Start), runs.Max(r => r.Ready ?? r.Start)).TotalSeconds;

        var sequentialRuns = new List<(long, long?)>();
        foreach (var id in await UploadAllAsync(burst))
        {
            sequentialRuns.Add(await SendAsync(id));
        }

        var sequential = Span(sequentialRuns);
        var atOnceIds = await UploadAllAsync(burst);
        var atOnce = Span(await Task.WhenAll(atOnceIds.Select(SendAsync)));
        return new PhotoFigures(Stats.Of(alone, alone.Count / (alone.Sum() / 1000), 0), sequential, atOnce, failed, loadBefore);
    }

    private static async Task<List<(string, Stats)>> MeasureAsync(Dictionary<string, string?> storeSettings, byte[] image, int requests, int concurrency)
    {
        var settings = new Dictionary<string, string?>(storeSettings)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["RateLimiting__AuthPermitsPerMinute"] = "1000000",
            ["RateLimiting__PermitsPerMinute"] = "1000000",
            ["Attachments__UploadsPerMinute"] = "100000",
        };
        await using var host = await StandaloneHost.StartAsync(settings);
        var (sender, senderId) = await RegisterAsync(host, "att-sender");
        var (receiver, receiverId) = await RegisterAsync(host, "att-receiver");
        var bare = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        await using var watch = await ThumbnailWatch.StartAsync(host, receiver);
        var updated = watch.ReadyAt;

        // One image message, step by step; returns its message id and when its send started.
        var slots = new List<double>();
        var uploads = new List<double>();
        var sends = new List<double>();
        var failures = new int[3];
        async Task<(string MessageId, long SendStart)?> SendImageAsync(int i, bool record)
        {
            var upload = await UploadAsync(sender, bare, image, $"photo-{i}.jpg");
            if (upload.AttachmentId is null)
            {
                Interlocked.Increment(ref failures[upload.SlotMs is null ? 0 : 1]);
                return null;
            }

            var (slotMs, uploadMs) = (upload.SlotMs!.Value, upload.UploadMs);
            var sendStart = Stopwatch.GetTimestamp();
            using var sent = await sender.PostAsJsonAsync("api/messages", new { receiverId, content = $"photo {i}", attachmentIds = new[] { upload.AttachmentId } });
            var body = await sent.Content.ReadAsStringAsync();
            var sendMs = Stopwatch.GetElapsedTime(sendStart).TotalMilliseconds;
            if (!sent.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures[2]);
                return null;
            }

            if (record)
            {
                lock (slots)
                {
                    slots.Add(slotMs);
                    uploads.Add(uploadMs);
                    sends.Add(sendMs);
                }
            }

            return ((string)JsonNode.Parse(body)!["id"]!, sendStart);
        }

        Task<bool> ThumbnailReadyAsync(string messageId) => watch.WaitAsync(messageId);

        // Warm-up, unmeasured: JIT, SkiaSharp's first decode, the connections.
        for (var i = 0; i < 4; i++)
        {
            if (await SendImageAsync(-1 - i, record: false) is { } warm)
            {
                await ThumbnailReadyAsync(warm.MessageId);
            }
        }

        // 1. One image at a time, each waited for: the time to a thumbnail when nothing else is queued.
        var alone = new List<double>();
        var aloneFailed = 0;
        var aloneRuns = Math.Max(10, requests / 5);
        var aloneWatch = Stopwatch.StartNew();
        for (var i = 0; i < aloneRuns; i++)
        {
            if (await SendImageAsync(100_000 + i, record: false) is { } one && await ThumbnailReadyAsync(one.MessageId))
            {
                alone.Add(Stopwatch.GetElapsedTime(one.SendStart, updated[one.MessageId]).TotalMilliseconds);
            }
            else
            {
                aloneFailed++;
            }
        }

        var aloneSeconds = aloneWatch.Elapsed.TotalSeconds;

        // 2. At the given concurrency: each step's latency and rate, and the processing behind them.
        var sentMessages = new ConcurrentBag<(string MessageId, long SendStart)>();
        var next = -1;
        var loadWatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                if (await SendImageAsync(i, record: true) is { } done)
                {
                    sentMessages.Add(done);
                }
            }
        }));
        var sendingSeconds = loadWatch.Elapsed.TotalSeconds;
        var ready = await Task.WhenAll(sentMessages.Select(m => ThumbnailReadyAsync(m.MessageId)));
        var allReadySeconds = loadWatch.Elapsed.TotalSeconds;
        var toThumbnail = sentMessages.Where(m => updated.ContainsKey(m.MessageId))
            .Select(m => Stopwatch.GetElapsedTime(m.SendStart, updated[m.MessageId]).TotalMilliseconds).ToList();

        // 3. Thumbnail downloads at the same concurrency, from the links a history page hands out.
        var page = JsonNode.Parse(await (await receiver.GetAsync($"api/messages?with={senderId}&limit=100")).Content.ReadAsStringAsync())!;
        var thumbnails = page["items"]!.AsArray().Select(m => (string?)m!["attachments"]![0]!["thumbnailUrl"]).OfType<string>().ToList();
        var downloads = new double[requests];
        var downloadFailed = 0;
        var downloadNext = -1;
        var downloadWatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref downloadNext)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await bare.GetAsync(thumbnails[i % thumbnails.Count]);
                await response.Content.ReadAsByteArrayAsync();
                downloads[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref downloadFailed);
                }
            }
        }));
        var downloadSeconds = downloadWatch.Elapsed.TotalSeconds;

        var processingFailed = ready.Count(r => !r);
        return
        [
            ("POST /api/attachments (upload slot)", Stats.Of(slots, requests / sendingSeconds, failures[0])),
            ("PUT of the 1 MiB bytes to the slot URL", Stats.Of(uploads, requests / sendingSeconds, failures[1])),
            ("POST /api/messages with the attachment", Stats.Of(sends, requests / sendingSeconds, failures[2])),
            ($"send to thumbnail ready (messageUpdated), one image at a time ({aloneRuns})", Stats.Of(alone, alone.Count / aloneSeconds, aloneFailed)),
            ("send to thumbnail ready, under the load above (per second: images processed)", Stats.Of(toThumbnail, toThumbnail.Count / allReadySeconds, processingFailed)),
            ($"GET thumbnail (signed URL, {thumbnails.Count} distinct)", Stats.Of(downloads, requests / downloadSeconds, downloadFailed)),
        ];
    }

    /// <summary>An upload slot, then the bytes to its URL: the attachment's id, or null with the step that failed (no slot time: the slot).</summary>
    private static async Task<(string? AttachmentId, double? SlotMs, double UploadMs)> UploadAsync(HttpClient sender, HttpClient bare, byte[] image, string fileName)
    {
        var start = Stopwatch.GetTimestamp();
        using var slotResponse = await sender.PostAsJsonAsync("api/attachments", new { fileName, contentType = "image/jpeg", size = image.Length });
        var slotMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (!slotResponse.IsSuccessStatusCode)
        {
            return (null, null, 0);
        }

        var slot = JsonNode.Parse(await slotResponse.Content.ReadAsStringAsync())!;
        using var put = new HttpRequestMessage(new HttpMethod((string)slot["uploadMethod"]!), (string)slot["uploadUrl"]!) { Content = new ByteArrayContent(image) };
        foreach (var (name, value) in slot["uploadHeaders"]!.AsObject())
        {
            if (!put.Headers.TryAddWithoutValidation(name, (string)value!))
            {
                put.Content.Headers.TryAddWithoutValidation(name, (string)value!);
            }
        }

        start = Stopwatch.GetTimestamp();
        using var uploaded = await bare.SendAsync(put);
        await uploaded.Content.ReadAsByteArrayAsync();
        var uploadMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return (uploaded.IsSuccessStatusCode ? (string)slot["id"]! : null, slotMs, uploadMs);
    }

    private static async Task<(HttpClient Client, string UserId)> RegisterAsync(StandaloneHost host, string prefix)
    {
        var username = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var response = await host.Client.PostAsJsonAsync("api/auth/register", new { username, email = $"{username}@example.test", password = "benchmark-password" });
        response.EnsureSuccessStatusCode();
        var session = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session["accessToken"]!);
        return (client, (string)session["user"]!["id"]!);
    }

    /// <summary>The 1 MiB JPEG: a photo-like JPEG (see <see cref="PhotoJpeg"/>) of 4:3, its width grown until the file is about 1 MiB.</summary>
    private static (byte[] Bytes, int Width, int Height) OneMebibyteJpeg()
    {
        const int target = 1024 * 1024;
        (byte[], int, int) Make(int width) => (PhotoJpeg(width, width * 3 / 4), width, width * 3 / 4);

        var (low, high) = (256, 4096);
        var best = Make(low);
        while (high - low > 8)
        {
            var mid = (low + high) / 2;
            var candidate = Make(mid);
            (low, high) = candidate.Item1.Length < target ? (mid, high) : (low, mid);
            if (Math.Abs(candidate.Item1.Length - target) < Math.Abs(best.Item1.Length - target))
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>A JPEG (quality 85) of smooth colour with grain: it compresses like a photo, unlike pure noise.</summary>
    private static byte[] PhotoJpeg(int width, int height)
    {
        var random = new Random(5);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var pixels = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = (y * width + x) * 4;
                pixels[o] = (byte)Math.Clamp(x * 255 / width + random.Next(-40, 40), 0, 255);
                pixels[o + 1] = (byte)Math.Clamp(y * 255 / height + random.Next(-40, 40), 0, 255);
                pixels[o + 2] = (byte)Math.Clamp(128 + random.Next(-40, 40), 0, 255);
                pixels[o + 3] = 255;
            }
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data.ToArray();
    }

    /// <summary>The receiver's live connection: when each message's messageUpdated with its thumbnail done arrived.</summary>
    private sealed class ThumbnailWatch : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
        private HubConnection _hub = null!;

        public ConcurrentDictionary<string, long> ReadyAt { get; } = new(StringComparer.Ordinal);

        public static async Task<ThumbnailWatch> StartAsync(StandaloneHost host, HttpClient receiver)
        {
            var watch = new ThumbnailWatch();
            watch._hub = new HubConnectionBuilder().WithUrl(new Uri(host.BaseAddress, "api"), options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(receiver.DefaultRequestHeaders.Authorization!.Parameter);
                options.Transports = HttpTransportType.WebSockets;
            }).Build();
            watch._hub.On<JsonElement>(ChatHub.MessageUpdated, message =>
            {
                var at = Stopwatch.GetTimestamp();
                var id = message.GetProperty("id").GetString()!;
                var attachment = message.GetProperty("attachments")[0];
                if (!attachment.GetProperty("processing").GetBoolean() && attachment.TryGetProperty("thumbnailUrl", out var thumbnail) && thumbnail.ValueKind == JsonValueKind.String)
                {
                    watch.ReadyAt.TryAdd(id, at);
                    watch.Waiter(id).TrySetResult();
                }
            });
            await watch._hub.StartAsync();
            await watch._hub.InvokeAsync("Heartbeat");
            return watch;
        }

        /// <summary>True once the message's thumbnail is done, false after 120 s without.</summary>
        public Task<bool> WaitAsync(string messageId) =>
            Waiter(messageId).Task.WaitAsync(TimeSpan.FromSeconds(120)).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

        public ValueTask DisposeAsync() => _hub.DisposeAsync();

        private TaskCompletionSource Waiter(string messageId) =>
            _waiting.GetOrAdd(messageId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private sealed record Stats(double PerSecond, double P50, double P95, double P99, int Failed)
    {
        public static Stats Of(IReadOnlyCollection<double> latencies, double perSecond, int failed)
        {
            var sorted = latencies.Order().ToArray();
            double At(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];
            return new Stats(perSecond, At(0.5), At(0.95), At(0.99), failed);
        }
    }
}
