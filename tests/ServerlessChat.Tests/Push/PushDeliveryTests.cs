using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using ServerlessChat.Core.Push;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Push;

/// <summary>
/// A standalone host whose push delivery is bounded per origin (4 in flight) and patient (a request may hang two
/// minutes, Retry-After is honoured up to two minutes), so that only the per-origin design keeps other push
/// services' pushes flowing in the tests below.
/// </summary>
public sealed class PushDeliveryFixture : IAsyncLifetime
{
    public const int MaxConcurrentPerOrigin = 4;

    public LocalPushService PushService { get; private set; } = null!;
    public StandaloneHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        PushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        Host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
            ["Push__AllowInsecureEndpoints"] = "true",
            ["Push__MaxConcurrentPerOrigin"] = MaxConcurrentPerOrigin.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Push__RequestTimeoutSeconds"] = "120",
            ["Push__MaxRetryDelaySeconds"] = "120",
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await PushService.DisposeAsync();
    }
}

/// <summary>A push service that accepts connections on loopback and never answers: a tarpit.</summary>
public sealed class TarpitListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();

    public TarpitListener()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>One item per accepted connection.</summary>
    public Channel<int> Accepted { get; } = Channel.CreateUnbounded<int>();

    public string NewEndpoint() => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/push/{Guid.NewGuid():N}";

    private async Task AcceptAsync()
    {
        try
        {
            for (var n = 1; ; n++)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held)
                {
                    _held.Add(socket);
                }
                Accepted.Writer.TryWrite(n);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
        {
            _held.ForEach(s => s.Dispose());
        }
        _stop.Dispose();
    }
}

public sealed class PushDeliveryTests(PushDeliveryFixture fixture) : IClassFixture<PushDeliveryFixture>
{
    private readonly HttpClient _http = fixture.Host.Client;

    private static object SubscriptionBody(string endpoint)
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var subscription = new TestSubscription(endpoint, key, RandomNumberGenerator.GetBytes(16));
        return subscription.Body;
    }

    // The attack of issue 29: an account's subscriptions point at a host that accepts and never answers, and
    // messages to it used to hold every push worker, so nobody else got a push for minutes.
    [Fact]
    public async Task ATarpitPushServiceDoesNotDelayAnotherUsersPush()
    {
        using var tarpit = new TarpitListener();
        var sender = await ChatApiClient.RegisterAsync(_http, "sender");
        var mallory = await ChatApiClient.RegisterAsync(_http, "mallory");
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await mallory.PostAsync("api/push/subscriptions", SubscriptionBody(tarpit.NewEndpoint()))).StatusCode);
        }
        var bob = await ChatApiClient.RegisterAsync(_http, "bob");
        var bobsPhone = fixture.PushService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("api/push/subscriptions", bobsPhone.Body)).StatusCode);

        for (var i = 0; i < 8; i++)
        {
            await sender.SendMessageAsync(new { receiverId = mallory.UserId, content = $"into the tarpit {i}" });
        }
        // The tarpit's lane is full: as many of mallory's pushes hang as one origin may hold, the rest wait.
        for (var i = 0; i < PushDeliveryFixture.MaxConcurrentPerOrigin; i++)
        {
            await tarpit.Accepted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }

        var sent = await sender.SendMessageAsync(new { receiverId = bob.UserId, content = "past the tarpit" });

        Assert.Equal((string)sent["id"]!, (string)(await bobsPhone.NextAsync()).Payload!["messageId"]!);
        // Mallory's pushes are still hanging (each may take two minutes here), and never more of them than the bound.
        Assert.False(tarpit.Accepted.Reader.TryRead(out _));
    }

    [Fact]
    public async Task TooManyRequestsFromOneOriginDelaysOnlyThatOrigin()
    {
        await using var slowService = await LocalPushService.StartAsync();
        var sender = await ChatApiClient.RegisterAsync(_http, "sender");
        var alice = await ChatApiClient.RegisterAsync(_http, "alice");
        var alicesPhone = slowService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("api/push/subscriptions", alicesPhone.Body)).StatusCode);
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var carolsPhone = slowService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsync("api/push/subscriptions", carolsPhone.Body)).StatusCode);
        var bob = await ChatApiClient.RegisterAsync(_http, "bob");
        var bobsPhone = fixture.PushService.NewSubscription();
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsync("api/push/subscriptions", bobsPhone.Body)).StatusCode);
        for (var i = 0; i < 8; i++)
        {
            alicesPhone.Script.Enqueue(((int)HttpStatusCode.TooManyRequests, 100));
        }

        for (var i = 0; i < 8; i++)
        {
            await sender.SendMessageAsync(new { receiverId = alice.UserId, content = $"slow down {i}" });
        }
        Assert.Equal((int)HttpStatusCode.TooManyRequests, (await alicesPhone.NextAsync()).Answered);
        await sender.SendMessageAsync(new { receiverId = carol.UserId, content = "same origin" });
        var sent = await sender.SendMessageAsync(new { receiverId = bob.UserId, content = "another origin" });

        Assert.Equal((string)sent["id"]!, (string)(await bobsPhone.NextAsync()).Payload!["messageId"]!);
        // The 429's origin waits out its Retry-After (100 s): besides the pushes already in flight when the 429
        // came (at most the per-origin bound), nothing more reached it, neither alice's other pushes nor carol's,
        // while the other origin's push went through.
        var reachedSlowService = 1;
        while (alicesPhone.Received.Reader.TryRead(out var push))
        {
            Assert.Equal((int)HttpStatusCode.TooManyRequests, push.Answered);
            reachedSlowService++;
        }
        Assert.InRange(reachedSlowService, 1, PushDeliveryFixture.MaxConcurrentPerOrigin);
        Assert.False(carolsPhone.Received.Reader.TryRead(out _));
    }
}
