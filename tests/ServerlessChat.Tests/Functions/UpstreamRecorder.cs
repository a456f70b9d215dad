using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Tests.Functions;

/// <summary>One upstream request as it arrived: route values, X-ASRS-* headers and body.</summary>
public sealed record UpstreamCall(string Hub, string Category, string Event, IReadOnlyDictionary<string, string> Headers, string ContentType, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// A loopback HTTP endpoint at <c>/api/signalr/{hub}/{category}/{event}</c> that records what the local SignalR
/// Service posts there and answers with <see cref="Answer"/>; calls can be awaited instead of slept for.
/// </summary>
public sealed class UpstreamRecorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<UpstreamCall> _calls = [];
    private readonly List<(Func<UpstreamCall, bool> Match, TaskCompletionSource<UpstreamCall> Found)> _waiters = [];

    private UpstreamRecorder(WebApplication app) => _app = app;

    /// <summary>The status each call is answered with; 200 unless a test says otherwise.</summary>
    public Func<UpstreamCall, HttpStatusCode> Answer { get; set; } = _ => HttpStatusCode.OK;

    public string UrlTemplate { get; private set; } = "";

    public static async Task<UpstreamRecorder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var recorder = new UpstreamRecorder(app);
        app.MapPost("/api/signalr/{hub}/{category}/{event}", recorder.HandleAsync);
        await app.StartAsync();
        recorder.UrlTemplate = app.Urls.First().TrimEnd('/') + "/api/signalr/{hub}/{category}/{event}";
        return recorder;
    }

    public IReadOnlyList<UpstreamCall> Calls(Func<UpstreamCall, bool> match)
    {
        lock (_calls)
        {
            return _calls.Where(match).ToList();
        }
    }

    public Task<UpstreamCall> WaitForAsync(Func<UpstreamCall, bool> match, int occurrence = 1)
    {
        lock (_calls)
        {
            if (_calls.Where(match).Skip(occurrence - 1).FirstOrDefault() is { } seen)
            {
                return Task.FromResult(seen);
            }

            var found = new TaskCompletionSource<UpstreamCall>(TaskCreationOptions.RunContinuationsAsynchronously);
            var remaining = occurrence - _calls.Count(match);
            _waiters.Add((call => match(call) && --remaining == 0, found));
            return found.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context, string hub, string category, string @event)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var call = new UpstreamCall(hub, category, @event, headers, context.Request.ContentType ?? "", body);
        context.Response.StatusCode = (int)Answer(call);
        lock (_calls)
        {
            _calls.Add(call);
            foreach (var waiter in _waiters.Where(w => w.Match(call)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Found.TrySetResult(call);
            }
        }
    }
}
