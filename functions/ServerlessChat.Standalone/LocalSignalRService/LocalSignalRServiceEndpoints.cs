using ServerlessChat.Standalone.Realtime;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.AzureSignalR;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Realtime;

namespace ServerlessChat.Standalone.LocalSignalRService;

/// <summary>
/// What Azure SignalR Service serves to a serverless app, served by this host: client connections at
/// <c>/client/?hub=chat</c> (<see cref="LocalSignalRServiceHub"/>: no chat logic, connection events go to the
/// upstream) and the data-plane REST calls the Functions app makes (send to user, to group or to one
/// connection, add/remove user in group, generate a client token), in the v1 and the api-version forms. They act on the service's own
/// connections only: this host's chat hub at <c>/hubs/chat</c> is a different application.
/// </summary>
public static class LocalSignalRServiceEndpoints
{
    public const string ClientPath = "/client";

    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    /// <summary>Registers the stand-in when <c>LocalSignalRService:AccessKey</c> is set; does nothing otherwise.</summary>
    public static IHostApplicationBuilder AddLocalSignalRService(this IHostApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddOptions<LocalSignalRServiceOptions>()
            .BindConfiguration(LocalSignalRServiceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LocalSignalRServiceConnections>();
        builder.Services.AddSingleton<LocalSignalRUpstream>();
        builder.Services.AddHttpClient(LocalSignalRUpstream.HttpClientName);
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, LocalSignalRClientAuthenticationHandler>(LocalSignalRClientAuthenticationHandler.SchemeName, null);
        return builder;
    }

    public static IEndpointRouteBuilder MapLocalSignalRService(this IEndpointRouteBuilder app)
    {
        if (!IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return app;
        }

        app.MapHub<LocalSignalRServiceHub>(ClientPath, StandaloneRealtime.ConfigureHubTransport)
            .RequireAuthorization(new AuthorizationPolicyBuilder(LocalSignalRClientAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());

        // Not part of the chat API: kept out of its OpenAPI document, which lists exactly the route table.
        var v1 = app.MapGroup($"/api/v1/hubs/{ChatHub.Name}").ExcludeFromDescription().AddEndpointFilter(RequireServiceToken);
        v1.MapPost("users/{user}", SendToUser);
        v1.MapPost("groups/{group}", SendToGroup);
        v1.MapPost("connections/{connectionId}", SendToConnection);
        v1.MapPut("groups/{group}/users/{user}", AddUserToGroup);
        v1.MapDelete("groups/{group}/users/{user}", RemoveUserFromGroup);

        var versioned = app.MapGroup($"/api/hubs/{ChatHub.Name}").ExcludeFromDescription()
            .AddEndpointFilter(RequireServiceToken).AddEndpointFilter(RequireApiVersion);
        versioned.MapPost("users/{user}/:send", SendToUser);
        versioned.MapPost("groups/{group}/:send", SendToGroup);
        versioned.MapPost("connections/{connectionId}/:send", SendToConnection);
        versioned.MapPut("users/{user}/groups/{group}", AddUserToGroup);
        versioned.MapDelete("users/{user}/groups/{group}", RemoveUserFromGroup);
        versioned.MapPost(":generateToken", GenerateClientToken);
        versioned.MapPut("groups/{group}/connections/{connectionId}", AddConnectionToGroup);
        versioned.MapPost("groups/{group}/:closeConnections", CloseGroupConnections);
        versioned.MapDelete("connections/{connectionId}", CloseConnection);
        return app;
    }

    internal static string? BearerToken(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private static bool IsEnabled(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[$"{LocalSignalRServiceOptions.Section}:{nameof(LocalSignalRServiceOptions.AccessKey)}"]);

    private static async Task<IResult> SendToUser(string user, HttpRequest request, LocalSignalRServiceConnections connections)
    {
        var (target, payload) = await ReadPayloadAsync(request);
        await connections.SendToUserAsync(user, target, payload, request.HttpContext.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<IResult> SendToGroup(string group, HttpRequest request, LocalSignalRServiceConnections connections)
    {
        var (target, payload) = await ReadPayloadAsync(request);
        await connections.SendToGroupAsync(group, target, payload, request.HttpContext.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>Like the service: 202 whether or not the connection is still open (a closed one gets nothing).</summary>
    private static async Task<IResult> SendToConnection(string connectionId, HttpRequest request, LocalSignalRServiceConnections connections)
    {
        var (target, payload) = await ReadPayloadAsync(request);
        await connections.SendToConnectionAsync(connectionId, target, payload, request.HttpContext.RequestAborted);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<IResult> AddUserToGroup(string user, string group, HttpContext context, LocalSignalRServiceConnections connections)
    {
        await connections.AddUserToGroupAsync(user, group, context.RequestAborted);
        return TypedResults.Ok();
    }

    private static async Task<IResult> RemoveUserFromGroup(string user, string group, HttpContext context, LocalSignalRServiceConnections connections)
    {
        await connections.RemoveUserFromGroupAsync(user, group, context.RequestAborted);
        return TypedResults.Ok();
    }

    private static async Task<IResult> AddConnectionToGroup(string group, string connectionId, HttpContext context, LocalSignalRServiceConnections connections)
    {
        await connections.AddConnectionToGroupAsync(connectionId, group, context.RequestAborted);
        return TypedResults.Ok();
    }

    /// <summary>Like the service: 204 whether or not the group has connections.</summary>
    private static IResult CloseGroupConnections(string group, LocalSignalRServiceConnections connections)
    {
        connections.CloseGroup(group);
        return TypedResults.NoContent();
    }

    private static IResult CloseConnection(string connectionId, LocalSignalRServiceConnections connections)
    {
        connections.Close(connectionId);
        return TypedResults.NoContent();
    }

    /// <summary>A client token for <c>userId</c> (optional: anonymous), valid <c>minutesToExpire</c> (default 60).</summary>
    private static IResult GenerateClientToken(HttpContext context, IOptions<LocalSignalRServiceOptions> options, TimeProvider time)
    {
        var query = context.Request.Query;
        var minutes = 60;
        if (query.TryGetValue("minutesToExpire", out var text)
            && (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minutes) || minutes is < 1 or > 1440))
        {
            return ChatProblems.Create(context, StatusCodes.Status400BadRequest, "Bad request", "minutesToExpire must be a whole number of minutes from 1 to 1440.");
        }

        var userId = query["userId"].ToString();
        var audience = AzureSignalRNegotiator.ClientUrl(new Uri($"{context.Request.Scheme}://{context.Request.Host}"));
        var token = AzureSignalRTokens.Sign(options.Value.AccessKey!, audience, time.GetUtcNow(), TimeSpan.FromMinutes(minutes), userId.Length == 0 ? null : userId);
        return TypedResults.Ok(new { token });
    }

    /// <summary>The service's PayloadMessage; every chat event carries exactly one argument, so the stand-in takes one.</summary>
    private static async Task<(string Target, object Payload)> ReadPayloadAsync(HttpRequest request)
    {
        PayloadMessage? message;
        try
        {
            message = await JsonSerializer.DeserializeAsync<PayloadMessage>(request.Body, PayloadJson, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            throw ProblemException.BadRequest("The body must be a JSON PayloadMessage {target, arguments}.");
        }

        if (message is not { Target.Length: > 0, Arguments: [var argument] })
        {
            throw ProblemException.BadRequest("The PayloadMessage needs a target and exactly one argument.");
        }

        return (message.Target, argument);
    }

    private static async ValueTask<object?> RequireApiVersion(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next) =>
        string.IsNullOrEmpty(invocation.HttpContext.Request.Query["api-version"])
            ? ChatProblems.Create(invocation.HttpContext, StatusCodes.Status400BadRequest, "Bad request", "The api-version query value is required.")
            : await next(invocation);

    /// <summary>
    /// 401 unless the bearer token is signed with the access key, unexpired, and addressed to this request's URL,
    /// with or without its query string (the SDKs differ on that).
    /// </summary>
    private static async ValueTask<object?> RequireServiceToken(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var services = context.RequestServices;
        // The raw target is the path and query exactly as the caller signed them, before any decoding.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        var origin = $"{context.Request.Scheme}://{context.Request.Host}";
        var query = target.IndexOf('?', StringComparison.Ordinal);
        string[] audiences = query < 0 ? [origin + target] : [origin + target, origin + target[..query]];
        var key = services.GetRequiredService<IOptions<LocalSignalRServiceOptions>>().Value.AccessKey!;
        var principal = AzureSignalRTokens.Validate(BearerToken(context.Request), key, audiences, services.GetRequiredService<TimeProvider>().GetUtcNow());
        return principal is null
            ? ChatProblems.Create(context, StatusCodes.Status401Unauthorized, "Unauthorized", "A token signed with the access key, for this URL and unexpired, is required.")
            : await next(invocation);
    }

    private sealed record PayloadMessage(string? Target, JsonElement[]? Arguments);
}
