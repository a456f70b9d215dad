using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessChat.Core.Account;
using ServerlessChat.Core;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Links;
using ServerlessChat.Core.Push;
using ServerlessChat.Core.Storage;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Functions;

/// <summary>
/// The Functions app's services exactly as its Program.cs registers them (AddChatCore + AddAzureSignalRRealtime),
/// started on a temp SQLite file, and a way to invoke one of its function methods on a DefaultHttpContext.
/// </summary>
public sealed class FunctionsAppServices : IAsyncDisposable
{
    public const string AccessKey = "functions-test-access-key-0123456789-abcdefghij";

    private readonly IHost _host;
    private readonly string _data;
    private readonly FunctionsAssembly _functions = new();

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private FunctionsAppServices(IHost host, string data, IReadOnlyDictionary<string, string?> settings)
    {
        _host = host;
        _data = data;
        _settings = settings;
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// <paramref name="signalREndpoint"/>: where pushes go; by default a closed port, as pushes are not under test.
    /// <paramref name="settings"/> override the test defaults (a null value removes one); <paramref name="contentRoot"/>
    /// and <paramref name="environment"/> stand for the worker's; <paramref name="wireMore"/> adds the rest of Program.cs's
    /// registrations a test needs (the assistant's and attachments' queues and their creation at start).
    /// </summary>
    public static async Task<FunctionsAppServices> StartAsync(
        string signalREndpoint = "http://127.0.0.1:9",
        IReadOnlyDictionary<string, string?>? settings = null,
        string? contentRoot = null,
        string environment = "Testing",
        Action<HostApplicationBuilder>? wireMore = null)
    {
        var data = Directory.CreateTempSubdirectory("serverlesschat-functions-").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = environment,
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
        });
        var effective = new Dictionary<string, string?>
        {
            ["Auth:JwtSigningKey"] = StandaloneHost.TestSigningKey,
            ["Auth:BcryptWorkFactor"] = "4",
            ["Privacy:DefaultGroupAdds"] = "Everyone",
            ["Email:PickupDirectory"] = Path.Combine(data, "mail"),
            ["RateLimiting:TrustForwardedFor"] = "true",
            [AzureSignalROptions.ConnectionStringSetting] = $"Endpoint={signalREndpoint};AccessKey={AccessKey};Version=1.0;",
        };
        foreach (var (key, value) in TestStorage.InProcessSettings(data, TestStorage.MongoConnectionString).Concat(settings ?? new Dictionary<string, string?>()))
        {
            if (value is null)
            {
                effective.Remove(key);
            }
            else
            {
                effective[key] = value;
            }
        }

        builder.Configuration.AddInMemoryCollection(effective);
        // As the Functions app's Program.cs wires it.
        builder.KeepDataOutsideTheApp();
        builder.AddChatCore();
        builder.AddAzureSignalRRealtime();
        // Resolved only when push is on (VAPID keys), and then it needs AzureWebJobsStorage.
        builder.AddStoragePushQueue();
        builder.AddStoragePasswordResetQueue();
        builder.AddStorageAccountJobQueue();
        builder.AddStorageLinkPreviewQueue();
        wireMore?.Invoke(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await TestStorage.DropAsync(effective);
            Directory.Delete(data, recursive: true);
            throw;
        }
        return new FunctionsAppServices(host, data, effective);
    }

    /// <summary>Constructs the function class from the container and calls the method, as the worker would.</summary>
    public async Task<(HttpStatusCode Status, string ContentType, JsonNode? Body)> InvokeAsync(
        string className, string methodName, HttpContext context, params object[] routeValues)
    {
        var type = _functions.Type(className);
        var instance = ActivatorUtilities.CreateInstance(_host.Services, type);
        await using var scope = _host.Services.CreateAsyncScope();
        context.RequestServices = scope.ServiceProvider;
        context.Response.Body = new MemoryStream();
        await (Task)type.GetMethod(methodName)!.Invoke(instance, [context.Request, .. routeValues])!;
        context.Response.Body.Position = 0;
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return ((HttpStatusCode)context.Response.StatusCode, context.Response.ContentType ?? "", text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>
    /// Calls a QueueTrigger function as the worker does: an instance of its class from the container, the message
    /// text (the queue extension has Base64-decoded it) and a cancellation token. Answers the queue it is bound to.
    /// </summary>
    public async Task<(string Queue, string? Connection)> InvokeQueueFunctionAsync(string functionName, string message, CancellationToken ct = default)
    {
        var (method, queue, connection) = _functions.QueueFunction(functionName);
        var instance = ActivatorUtilities.CreateInstance(_host.Services, method.DeclaringType!);
        Task handled;
        try
        {
            handled = (Task)method.Invoke(instance, [message, ct])!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            // A function that throws before its first await: the worker sees that exception, not reflection's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        await handled;
        return (queue, connection);
    }

    /// <summary>A new account through the Register function; its name starts with <paramref name="prefix"/>.</summary>
    public async Task<(string UserId, string Token, string Username)> RegisterAsync(string prefix = "fn")
    {
        var username = ChatApiClient.UniqueName(prefix);
        var (status, _, body) = await InvokeAsync("AuthFunctions", "Register", Request(
            "POST", "/api/auth/register", $$"""{"username":"{{username}}","email":"{{username}}@example.test","password":"correct horse battery"}"""));
        if (status != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Register answered {(int)status}: {body?.ToJsonString()}");
        }
        return ((string)body!["user"]!["id"]!, (string)body["accessToken"]!, username);
    }

    public static DefaultHttpContext Request(string method, string path, string? json = null, string? bearer = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("app.example.test");
        var query = path.IndexOf('?', StringComparison.Ordinal);
        context.Request.Path = query < 0 ? path : path[..query];
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        if (bearer is not null)
        {
            context.Request.Headers.Authorization = $"Bearer {bearer}";
        }

        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }

        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _functions.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await TestStorage.DropAsync(_settings);
        Directory.Delete(_data, recursive: true);
    }
}
