using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Events;
using ServerlessChat.Core.Http;
using ServerlessChat.Core.Moderation;
using ServerlessChat.Core.RateLimiting;
using ServerlessChat.Core.Sessions;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Auth;

public sealed partial class AuthService(
    IUserStore users,
    IAuthTokenStore tokens,
    ISessionStore sessions,
    SessionService sessionService,
    AccessTokens accessTokens,
    PasswordAttemptThrottle passwordAttempts,
    ContentFilter filter,
    IModerationStore moderation,
    IPasswordResetQueue resetQueue,
    IChangeLog changes,
    IOptions<AuthOptions> authOptions,
    TimeProvider time,
    ILogger<AuthService> logger)
{
    // Verified against when the account does not exist, so a wrong username costs the same time as a wrong password.
    private readonly Lazy<string> _absentUserHash = new(() => BCrypt.Net.BCrypt.HashPassword(SecretTokens.Create(), authOptions.Value.BcryptWorkFactor));

    public async Task<SessionDto> RegisterAsync(RegisterRequest request, string? userAgent, CancellationToken ct)
    {
        var rules = new InputRules();
        // A username is how people find and tell each other apart: never masked, only refused.
        var username = filter.Apply(rules, "username", rules.Username("username", request.Username), maskable: false);
        var address = rules.Email("email", request.Email);
        var password = rules.Password("password", request.Password);
        var displayName = filter.Apply(rules, "displayName", rules.Name("displayName", request.DisplayName, 64, required: false));
        rules.ThrowIfAny();

        var now = time.GetStoredNow();
        var user = new UserRecord(
            ObjectId.GenerateNewId().ToString(),
            username!,
            address!,
            displayName ?? username!,
            BCrypt.Net.BCrypt.HashPassword(password, authOptions.Value.BcryptWorkFactor),
            now,
            now);
        switch (await users.CreateAsync(user, ct))
        {
            case CreateUserOutcome.UsernameTaken:
                throw ProblemException.Conflict("The username is taken.", new Dictionary<string, string[]> { ["username"] = ["This username is taken."] });
            case CreateUserOutcome.EmailTaken:
                throw ProblemException.Conflict("The email is taken.", new Dictionary<string, string[]> { ["email"] = ["This email is already registered."] });
        }

        // Events out: user.created, from the user's own log.
        await UserLog.RecordAsync(changes, user.Id, UserLog.Created, ct);
        LogRegistered(logger, user.Id);
        return await StartSessionAsync(user, userAgent, ct);
    }

    /// <summary><paramref name="sourceNetwork"/>: where the request came from, for <see cref="PasswordAttemptThrottle"/>.</summary>
    public async Task<SessionDto> LoginAsync(LoginRequest request, string sourceNetwork, string? userAgent, CancellationToken ct)
    {
        var rules = new InputRules();
        rules.ExactlyOne("email", request.Email, "username", request.Username);
        // Only shape is checked here: a login never tells which part of a pair was wrong.
        if (request.Password is null)
        {
            rules.Add("password", "This field is required.");
        }

        rules.ThrowIfAny();

        var user = request.Email is not null
            ? await users.FindByEmailAsync(request.Email.Trim(), ct)
            : await users.FindByUsernameAsync(request.Username!, ct);
        // An account being erased signs in as no account does.
        if (user is { IsErased: true })
        {
            user = null;
        }

        var hash = user is { IsAssistant: false } ? user.PasswordHash : _absentUserHash.Value;
        // A name without an account is throttled as one, so 429s come alike whether or not it exists.
        var account = user is { IsAssistant: false }
            ? user.Id
            : request.Email is not null ? PasswordAttemptThrottle.UnknownAccount("email", request.Email) : PasswordAttemptThrottle.UnknownAccount("username", request.Username!);
        var matches = await passwordAttempts.VerifyAsync(account, sourceNetwork, () => Verify(request.Password!, hash), ct);
        if (user is null || user.IsAssistant || !matches)
        {
            throw ProblemException.Unauthorized("The username or email and password do not match.");
        }

        // Only the right password learns of a suspension: a wrong one stays the 401 anyone gets.
        if (await moderation.FindSuspensionAsync(user.Id, ct) is { } suspension && (suspension.Until is null || suspension.Until > time.GetUtcNow()))
        {
            throw ModerationService.Suspended(suspension);
        }

        return await StartSessionAsync(user, userAgent, ct);
    }

    /// <summary>
    /// Trades a refresh token for a new one in the same session. The session row names the one token that may be
    /// traded next and the swap is a single conditional write, so of concurrent trades of one token exactly one
    /// wins; any other trade of a token of the chain (a copy, or the loser of that race) ends the session, and
    /// with it every token it issued, including one issued a moment ago.
    /// </summary>
    public async Task<SessionDto> RefreshAsync(RefreshRequest request, string? userAgent, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken) || request.RefreshToken.Length > 200)
        {
            throw ProblemException.Validation("refreshToken", "This field is required.");
        }

        var now = time.GetUtcNow();
        var hash = SecretTokens.Hash(request.RefreshToken);
        var stored = await tokens.FindRefreshTokenAsync(hash, ct);
        if (stored is null || stored.ExpiresAt <= now || stored.RevokedAt is not null)
        {
            throw ProblemException.Unauthorized("The refresh token is not valid.");
        }

        var sessionId = stored.FamilyId;
        var user = await users.FindByIdAsync(stored.UserId, ct) ?? throw ProblemException.Unauthorized("The refresh token is not valid.");
        // Stored before the swap: the moment the swap succeeds, the new token can be traded.
        var (refreshToken, newHash, expiresAt) = await InsertRefreshTokenAsync(user.Id, sessionId, now, ct);
        if (await sessions.FindAsync(sessionId, ct) is null)
        {
            // A chain from before sessions were stored: its one unused token becomes the start of a session (the
            // token's own single-use mark decides a race), and any other token of the chain is then a reuse. A
            // chain older than the account's last change (a password change, say) is refused: those end sessions,
            // which such a chain does not have yet.
            if (stored.UsedAt is not null || stored.CreatedAt < user.UpdatedAt || !await tokens.TryUseRefreshTokenAsync(hash, now, ct))
            {
                throw ProblemException.Unauthorized("The refresh token is not valid.");
            }

            await sessions.CreateAsync(new SessionRecord(sessionId, user.Id, newHash, stored.CreatedAt, now, expiresAt, SessionService.UserAgentOf(userAgent), null), ct);
            return Session(user, sessionId, refreshToken);
        }

        if (!await sessions.TryRotateAsync(sessionId, hash, newHash, now, expiresAt, SessionService.UserAgentOf(userAgent), ct))
        {
            var session = await sessions.FindAsync(sessionId, ct);
            if (session is { EndedAt: null })
            {
                // A token of this chain that is no longer its current one: it was copied, or traded twice at once.
                // Whoever holds the chain now is not trusted.
                await sessionService.EndAsync(sessionId, ct);
                LogRefreshReuse(logger, stored.UserId);
            }

            throw ProblemException.Unauthorized("The refresh token is not valid.");
        }

        return Session(user, sessionId, refreshToken);
    }

    public async Task LogoutAsync(Caller caller, RefreshRequest request, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken) || request.RefreshToken.Length > 200)
        {
            throw ProblemException.Validation("refreshToken", "This field is required.");
        }

        var stored = await tokens.FindRefreshTokenAsync(SecretTokens.Hash(request.RefreshToken), ct);
        if (stored is not null && stored.UserId == caller.UserId)
        {
            await sessionService.EndAsync(stored.FamilyId, ct);
        }
    }

    /// <summary>
    /// Queues the work (the lookup, the token, the email) and returns: the answer takes the same time whether or
    /// not the address has an account (see <see cref="PasswordResetMailer"/>).
    /// </summary>
    public async Task RequestPasswordResetAsync(PasswordResetRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        var address = rules.Email("email", request.Email);
        rules.ThrowIfAny();

        bool queued;
        try
        {
            queued = await resetQueue.EnqueueAsync(new PasswordResetJob(address!), ct);
        }
        catch (Exception error) when (!ct.IsCancellationRequested)
        {
            // Still 202: the failure is the same for every address, and the caller may simply ask again.
            LogResetNotQueued(logger, error);
            return;
        }

        if (!queued)
        {
            LogResetNotQueued(logger, null);
        }
    }

    public async Task ConfirmPasswordResetAsync(PasswordResetConfirmRequest request, CancellationToken ct)
    {
        var rules = new InputRules();
        if (string.IsNullOrEmpty(request.Token) || request.Token.Length > 200)
        {
            rules.Add("token", "This field is required.");
        }

        var password = rules.Password("newPassword", request.NewPassword);
        rules.ThrowIfAny();

        var now = time.GetUtcNow();
        var hash = SecretTokens.Hash(request.Token!);
        var stored = await tokens.FindResetTokenAsync(hash, ct);
        if (stored is null || stored.UsedAt is not null || stored.ExpiresAt <= now || !await tokens.TryUseResetTokenAsync(hash, now, ct))
        {
            throw ProblemException.Validation("token", "The reset token is unknown, expired or already used.");
        }

        await users.UpdatePasswordAsync(stored.UserId, BCrypt.Net.BCrypt.HashPassword(password, authOptions.Value.BcryptWorkFactor), now, ct);
        // No older link may set the password again, and every session ends: whoever had the old password, or a
        // token taken with it, is out.
        await tokens.UseAllResetTokensAsync(stored.UserId, now, ct);
        await tokens.RevokeAllRefreshTokensAsync(stored.UserId, now, ct);
        await sessionService.EndAllAsync(stored.UserId, exceptSessionId: null, ct);
        LogPasswordReset(logger, stored.UserId);
    }

    /// <summary>A new session (login chain) of the user; the caller has established who the user is.</summary>
    public async Task<SessionDto> StartSessionAsync(UserRecord user, string? userAgent, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sessionId = ObjectId.GenerateNewId().ToString();
        var (refreshToken, hash, expiresAt) = await InsertRefreshTokenAsync(user.Id, sessionId, now, ct);
        await sessions.CreateAsync(new SessionRecord(sessionId, user.Id, hash, now, now, expiresAt, SessionService.UserAgentOf(userAgent), null), ct);
        return Session(user, sessionId, refreshToken);
    }

    /// <summary>A refresh token of the session (its family): the token to hand out, its stored hash and expiry.</summary>
    private async Task<(string Token, string Hash, DateTimeOffset ExpiresAt)> InsertRefreshTokenAsync(
        string userId, string sessionId, DateTimeOffset now, CancellationToken ct)
    {
        var token = SecretTokens.Create();
        var hash = SecretTokens.Hash(token);
        var expiresAt = now.AddDays(authOptions.Value.RefreshTokenDays);
        await tokens.InsertRefreshTokenAsync(new RefreshTokenRecord(hash, userId, sessionId, now, expiresAt, null, null), ct);
        return (token, hash, expiresAt);
    }

    private SessionDto Session(UserRecord user, string sessionId, string refreshToken) => new(
        UserDto.From(user, includeEmail: true),
        accessTokens.Issue(user.Id, user.Username, sessionId),
        refreshToken,
        (int)accessTokens.Lifetime.TotalSeconds);

    private static bool Verify(string password, string hash) => PasswordHashes.Verify(password, hash);

    [LoggerMessage(LogLevel.Information, "Registered user {UserId}")]
    private static partial void LogRegistered(ILogger logger, string userId);

    [LoggerMessage(LogLevel.Warning, "A used refresh token was presented again for user {UserId}; its chain is revoked")]
    private static partial void LogRefreshReuse(ILogger logger, string userId);

    [LoggerMessage(LogLevel.Error, "A password reset request could not be queued; no email goes out for it")]
    private static partial void LogResetNotQueued(ILogger logger, Exception? error);

    [LoggerMessage(LogLevel.Information, "Password reset completed for user {UserId}")]
    private static partial void LogPasswordReset(ILogger logger, string userId);
}
