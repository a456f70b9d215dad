using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Tests.Links;

/// <summary>
/// A loopback web server with the pages the link preview tests link to, the hostile ones included: huge, slow,
/// redirecting into private space or in circles, not HTML, malformed, with scripts, in another charset.
/// </summary>
public sealed class PageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _seen = [];
    private readonly List<(string PathAndQuery, TaskCompletionSource Found)> _waiters = [];
    private int _requests;

    private PageServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>How many requests the server has had (every redirect hop counts).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>How many bytes the huge pages managed to write before the client stopped reading.</summary>
    public long HugeBytesWritten => Interlocked.Read(ref _hugeBytesWritten);

    private long _hugeBytesWritten;

    public static async Task<PageServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new PageServer(app);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            server.Record(context.Request.Path + context.Request.QueryString);
            await next(context);
        });
        app.MapGet("/article/{name}", (string name) => Html($"""
            <!doctype html><html><head>
            <title>Fallback {name}</title>
            <meta property="og:title" content="  The   {name}
             story ">
            <meta property="og:description" content="All about {name}.">
            <meta property="og:site_name" content="Example News">
            </head><body><p>Hello</p></body></html>
            """));
        app.MapGet("/title-only", () => Html("<html><head><title>Just a title</title></head><body></body></html>"));
        app.MapGet("/twitter", () => Html("""<html><head><meta name="twitter:title" content="Tweeted"><meta name="description" content="Plain description"></head></html>"""));
        app.MapGet("/nothing", () => Html("<html><body><p>No title at all</p></body></html>"));
        app.MapGet("/scripted", () => Html("""
            <html><head><title>Real title</title>
            <script>document.title = "Injected"; document.head.innerHTML += '<meta property="og:title" content="Injected">';</script>
            </head><body onload="document.title='Loaded'"></body></html>
            """));
        app.MapGet("/malformed", () => Html("""<html><head><meta property="og:title" content="Broken &amp; still fine"><title>x<body><div><p>unclosed <b><i></div></table><meta property="og:description" content="after junk"""));
        app.MapGet("/bidi", () => Html("<html><head><title>evil\u202Egnp.exe\u0007</title></head></html>"));
        app.MapGet("/latin1", () => Results.Bytes(
            Encoding.Latin1.GetBytes("<html><head><meta charset=\"iso-8859-1\"><title>Caf\u00e9 cr\u00e8me</title></head></html>"), "text/html"));
        app.MapGet("/header-charset", () => Results.Bytes(
            Encoding.Latin1.GetBytes("<html><head><title>Na\u00efve</title></head></html>"), "text/html; charset=iso-8859-1"));
        app.MapGet("/json", () => Results.Text("""{"title":"not html"}""", "application/json"));
        app.MapGet("/missing", () => Results.NotFound());
        app.MapGet("/redirect/{hops:int}", (int hops) => hops == 0 ? Results.Redirect("/article/redirected") : Results.Redirect($"/redirect/{hops - 1}"));
        app.MapGet("/to-private", () => Results.Redirect("http://10.255.255.1/article/private"));
        app.MapGet("/to-metadata", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        app.MapGet("/huge/{titleAt:int}", async (HttpContext context, int titleAt) =>
        {
            // titleAt bytes of filler before the head's title; 8 MiB of page in all, written as long as the client reads.
            context.Response.ContentType = "text/html";
            var filler = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            long written = 0;
            try
            {
                await context.Response.WriteAsync("<html><head>");
                if (titleAt == 0)
                {
                    await context.Response.WriteAsync("<title>Huge but early</title></head><body><p>");
                }
                else
                {
                    await context.Response.WriteAsync("<!--");
                }
                for (var i = 0; i < 128; i++)
                {
                    if (titleAt > 0 && written >= titleAt)
                    {
                        await context.Response.WriteAsync("--><title>Too late</title></head><body><p>");
                        titleAt = 0;
                    }
                    await context.Response.Body.WriteAsync(filler, context.RequestAborted);
                    written += filler.Length;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The client stopped reading, as it should.
            }
            Interlocked.Add(ref server._hugeBytesWritten, written);
        });
        app.MapGet("/slow", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><head>");
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                await context.Response.WriteAsync("<title>Finally</title></head></html>");
            }
            catch (OperationCanceledException)
            {
            }
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    public string Url(string path) => BaseUrl + path;

    /// <summary>Whether the server has had a request for the path and query.</summary>
    public bool HasHad(string pathAndQuery)
    {
        lock (_seen)
        {
            return _seen.Contains(pathAndQuery);
        }
    }

    /// <summary>Completes once the server has had a request for the path and query.</summary>
    public Task WaitForRequestAsync(string pathAndQuery)
    {
        lock (_seen)
        {
            if (_seen.Contains(pathAndQuery))
            {
                return Task.CompletedTask;
            }
            var found = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((pathAndQuery, found));
            return found.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    private void Record(string pathAndQuery)
    {
        lock (_seen)
        {
            _seen.Add(pathAndQuery);
            foreach (var waiter in _waiters.Where(w => w.PathAndQuery == pathAndQuery).ToList())
            {
                waiter.Found.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
