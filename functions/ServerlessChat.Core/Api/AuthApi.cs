using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;

namespace ServerlessChat.Core.Api;

public static class AuthApi
{
    public static IEnumerable<ChatEndpoint> Endpoints =>
    [
        new(nameof(Register), HttpMethods.Post, ChatRoutes.Register, Register, RateLimitPolicy.PerClientAddress, "Create an account and start a session") { LocalAccountsOnly = true, Problems = [StatusCodes.Status409Conflict] },
        new(nameof(Login), HttpMethods.Post, ChatRoutes.Login, Login, RateLimitPolicy.PerClientAddress, "Start a session with a username or email and a password; after repeated wrong passwords 429 with Retry-After") { LocalAccountsOnly = true, Problems = [StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests] },
        new(nameof(Refresh), HttpMethods.Post, ChatRoutes.Refresh, Refresh, RateLimitPolicy.PerClientAddress, "Trade a refresh token for a new session") { Problems = [StatusCodes.Status401Unauthorized] },
        new(nameof(Logout), HttpMethods.Post, ChatRoutes.Logout, Logout, RateLimitPolicy.PerUser, "End the session chain of a refresh token"),
        new(nameof(RequestPasswordReset), HttpMethods.Post, ChatRoutes.PasswordReset, RequestPasswordReset, RateLimitPolicy.PerClientAddress, "Email a password reset link") { LocalAccountsOnly = true },
        new(nameof(ConfirmPasswordReset), HttpMethods.Post, ChatRoutes.PasswordResetConfirm, ConfirmPasswordReset, RateLimitPolicy.PerClientAddress, "Set a new password with a reset token") { LocalAccountsOnly = true },
    ];

    public static async Task<Created<SessionDto>> Register(JsonBody<RegisterRequest> body, HttpRequest request, AuthService auth, CancellationToken ct) =>
        TypedResults.Created($"/{ChatRoutes.Prefix}/{ChatRoutes.Me}", await auth.RegisterAsync(body.Value, request.Headers.UserAgent, ct));

    public static async Task<Ok<SessionDto>> Login(JsonBody<LoginRequest> body, HttpRequest request, RequestRateLimiter limiter, AuthService auth, CancellationToken ct) =>
        TypedResults.Ok(await auth.LoginAsync(body.Value, limiter.NetworkOf(request.HttpContext), request.Headers.UserAgent, ct));

    public static async Task<Ok<SessionDto>> Refresh(JsonBody<RefreshRequest> body, HttpRequest request, AuthService auth, CancellationToken ct) =>
        TypedResults.Ok(await auth.RefreshAsync(body.Value, request.Headers.UserAgent, ct));

    public static async Task<NoContent> Logout(Caller caller, JsonBody<RefreshRequest> body, AuthService auth, CancellationToken ct)
    {
        await auth.LogoutAsync(caller, body.Value, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Accepted> RequestPasswordReset(JsonBody<PasswordResetRequest> body, AuthService auth, CancellationToken ct)
    {
        await auth.RequestPasswordResetAsync(body.Value, ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<NoContent> ConfirmPasswordReset(JsonBody<PasswordResetConfirmRequest> body, AuthService auth, CancellationToken ct)
    {
        await auth.ConfirmPasswordResetAsync(body.Value, ct);
        return TypedResults.NoContent();
    }
}
