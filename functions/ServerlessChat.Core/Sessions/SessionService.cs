using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Auth;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Realtime;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Sessions;

/// <summary>
/// A user's sessions (login chains): listing them and ending them. Ending one is one store write, after which
/// its refresh tokens are refused at once; this instance refuses its access tokens at once too, the others
/// within <see cref="SessionsOptions.RevocationCacheSeconds"/>; its hub connections are asked to close now and are
/// closed by each host's sweep within that time in any case.
/// </summary>
public sealed partial class SessionService(
    ISessionStore sessions,
    IUserStore users,
    PasswordAttemptThrottle passwordAttempts,
    SessionRevocations revocations,
    IRealtimePublisher realtime,
    IOptions<AuthOptions> authOptions,
    TimeProvider time,
    ILogger<SessionService> logger)
{
    /// <summary>Enough for every device a person has; a user with more sees the most recently used.</summary>
    public const int ListLimit = 100;

    public const int UserAgentMaxLength = 256;

    public static string? UserAgentOf(string? header) =>
        string.IsNullOrWhiteSpace(header) ? null : header.Length <= UserAgentMaxLength ? header : header[..UserAgentMaxLength];

    public async Task<ItemsDto<SessionInfoDto>> ListAsync(Caller caller, CancellationToken ct)
    {
        var live = await sessions.ListLiveAsync(caller.UserId, time.GetUtcNow(), ListLimit, ct);
        return new ItemsDto<SessionInfoDto>([.. live.Select(s => new SessionInfoDto(s.Id, s.CreatedAt, s.LastUsedAt, s.UserAgent, s.Id == caller.SessionId))]);
    }

    /// <summary>Ends one of the caller's sessions; 404 for one that is not the caller's or not live (the same answer).</summary>
    public async Task EndOneAsync(Caller caller, string sessionId, CancellationToken ct)
    {
        var session = InputRules.IsId(sessionId) ? await sessions.FindAsync(sessionId, ct) : null;
        if (session is null || session.UserId != caller.UserId || session.EndedAt is not null || session.ExpiresAt <= time.GetUtcNow())
        {
            throw ProblemException.NotFound("No such session.");
        }

        await EndAsync(session.Id, ct);
    }

    /// <summary>Ends every session of the caller but its own ("sign out everywhere else").</summary>
    public Task EndOthersAsync(Caller caller, CancellationToken ct) => EndAllAsync(caller.UserId, caller.SessionId, ct);

    /// <summary>
    /// Changes the caller's password: every other session ends, the caller's own goes on. Wrong current passwords
    /// are throttled as logins are (<paramref name="sourceNetwork"/>), so a stolen access token cannot be used to
    /// guess the password.
    /// </summary>
    public async Task ChangePasswordAsync(Caller caller, ChangePasswordRequest request, string sourceNetwork, CancellationToken ct)
    {
        var rules = new InputRules();
        if (string.IsNullOrEmpty(request.CurrentPassword) || request.CurrentPassword.Length > 128)
        {
            rules.Add("currentPassword", "This field is required.");
        }

        var password = rules.Password("newPassword", request.NewPassword);
        rules.ThrowIfAny();

        var user = await users.FindByIdAsync(caller.UserId, ct);
        if (user is null || user.IsAssistant
            || !await passwordAttempts.VerifyAsync(user.Id, sourceNetwork, () => PasswordHashes.Verify(request.CurrentPassword!, user.PasswordHash), ct))
        {
            throw ProblemException.Validation("currentPassword", "The current password is not right.");
        }

        await users.UpdatePasswordAsync(user.Id, BCrypt.Net.BCrypt.HashPassword(password, authOptions.Value.BcryptWorkFactor), time.GetStoredNow(), ct);
        await EndAllAsync(user.Id, caller.SessionId, ct);
        LogPasswordChanged(logger, user.Id);
    }

    /// <summary>Ends one session (idempotent) and closes its connections.</summary>
    public async Task EndAsync(string sessionId, CancellationToken ct)
    {
        await sessions.EndAsync(sessionId, time.GetUtcNow(), ct);
        await AfterEndAsync([sessionId], ct);
    }

    /// <summary>Ends every live session of the user except <paramref name="exceptSessionId"/> and closes their connections.</summary>
    public async Task EndAllAsync(string userId, string? exceptSessionId, CancellationToken ct)
    {
        var ended = await sessions.EndAllAsync(userId, exceptSessionId, time.GetUtcNow(), ct);
        await AfterEndAsync(ended, ct);
    }

    private async Task AfterEndAsync(IReadOnlyList<string> ended, CancellationToken ct)
    {
        if (ended.Count == 0)
        {
            return;
        }

        revocations.Add(ended);
        // The store already says the sessions ended: a close that fails here is done by the host's sweep.
        await realtime.PublishAsync([.. ended.Select(id => new CloseSessionConnections(id))], CancellationToken.None);
        LogEnded(logger, ended.Count);
    }

    [LoggerMessage(LogLevel.Information, "Password changed for user {UserId}; its other sessions ended")]
    private static partial void LogPasswordChanged(ILogger logger, string userId);

    [LoggerMessage(LogLevel.Information, "Ended {Count} session(s)")]
    private static partial void LogEnded(ILogger logger, int count);
}
