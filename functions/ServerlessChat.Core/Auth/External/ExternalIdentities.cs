using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ServerlessChat.Core.Caching;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.ServerApi;
using ServerlessChat.Core.Storage;
using ServerlessChat.Core.Events;

namespace ServerlessChat.Core.Auth.External;

/// <summary>
/// Users of an external OpenID Connect issuer (API.md "For integrators"): a valid access token of
/// <c>Auth:External</c> names a user by its subject claim, its external id; the user is created on its first
/// request (never linked to a local account) and its display name follows the token on later ones.
/// </summary>
public sealed partial class ExternalIdentities : IDisposable
{
    private const int MaxUsernameAttempts = 20;

    private readonly ExternalAuthOptions _options;
    private readonly HttpClient? _http;
    private readonly OidcIssuer? _issuer;
    private readonly IUserStore _users;
    private readonly IChangeLog _changes;
    private readonly ChatDirectory _directory;
    private readonly HybridCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger<ExternalIdentities> _logger;

    public ExternalIdentities(
        IOptions<ExternalAuthOptions> options, IOptions<AuthOptions> auth, IUserStore users, IChangeLog changes, ChatDirectory directory, HybridCache cache,
        TimeProvider time, ILogger<ExternalIdentities> logger)
    {
        _options = options.Value;
        (_users, _changes, _directory, _cache, _time, _logger) = (users, changes, directory, cache, time, logger);
        if (_options.Enabled)
        {
            _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            _issuer = new OidcIssuer(_options.Authority!, _options.Audience!, _options.RequireHttpsMetadata, _http, TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds));
        }
    }

    public bool Enabled => _issuer is not null;

    /// <summary>The caller a valid external access token names, creating its user on first sight; null for any other token.</summary>
    public async Task<Caller?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (_issuer is null)
        {
            return null;
        }
        var validation = await _issuer.ValidateAsync(token, ct);
        if (validation.Identity is not { } identity)
        {
            LogRefused(_logger, validation.Refusal!);
            return null;
        }

        var subject = identity.FindFirst(_options.SubjectClaim)?.Value;
        if (!ServerApiService.IsExternalId(subject))
        {
            return null;
        }

        var profile = Profile.From(identity);
        var userId = await _cache.GetOrCreateAsync(
            $"external:{subject}",
            (Self: this, Subject: subject!, Profile: profile),
            static async (state, cancel) => await state.Self.FindOrCreateAsync(state.Subject, state.Profile, cancel),
            ChatDirectory.EntryOptions,
            cancellationToken: ct);

        if (profile.DisplayName is { } displayName && await _directory.GetUserAsync(userId, ct) is { } user && user.DisplayName != displayName)
        {
            await _users.UpdateAccountAsync(userId, new UserAccountChange(DisplayName: displayName), _time.GetStoredNow(), ct);
            await _directory.ForgetUserAsync(userId, ct);
        }

        return new Caller(userId);
    }

    private async Task<string> FindOrCreateAsync(string subject, Profile profile, CancellationToken ct)
    {
        if (await _users.FindByExternalIdAsync(subject, ct) is { } known)
        {
            return known.Id;
        }

        var email = profile.VerifiedEmail;
        var baseName = profile.Username;
        for (var attempt = 0; attempt < MaxUsernameAttempts;)
        {
            // A taken name gets a numeric suffix: ada, ada2, ada3...; the base is cut so the whole stays 32 long.
            var suffix = attempt == 0 ? "" : (attempt + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var username = baseName[..Math.Min(baseName.Length, InputRules.MaxUsernameLength - suffix.Length)] + suffix;
            var id = ObjectId.GenerateNewId().ToString();
            var now = _time.GetStoredNow();
            var user = new UserRecord(id, username, email ?? UserEmails.Placeholder(id), profile.DisplayName ?? username, ServerApiService.NoPasswordHash, now, now, ExternalId: subject);
            switch (await _users.CreateAsync(user, ct))
            {
                case CreateUserOutcome.Created:
                    await UserLog.RecordAsync(_changes, id, UserLog.Created, ct);
                    LogCreated(_logger, id);
                    return id;
                case CreateUserOutcome.ExternalIdTaken:
                    // A concurrent first request (maybe on another instance) created it.
                    return (await _users.FindByExternalIdAsync(subject, ct))?.Id
                        ?? throw new InvalidOperationException("A user with a taken external id was not found.");
                case CreateUserOutcome.EmailTaken:
                    // Someone has the address: the user goes without one (it is never linked to that account).
                    email = null;
                    continue;
                default:
                    attempt++;
                    continue;
            }
        }

        throw new InvalidOperationException("No free username was found for an external user.");
    }

    public void Dispose() => _http?.Dispose();

    /// <summary>What the token says about the user, reduced to what the API accepts.</summary>
    private sealed record Profile(string Username, string? DisplayName, string? VerifiedEmail)
    {
        public static Profile From(ClaimsIdentity identity)
        {
            // A name or address the API would refuse is left out rather than refusing the sign-in.
            var nameRules = new InputRules();
            var displayName = nameRules.Name("displayName", identity.FindFirst("name")?.Value?.Trim(), 64, required: false);
            string? email = null;
            if (string.Equals(identity.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase))
            {
                var emailRules = new InputRules();
                email = emailRules.Email("email", identity.FindFirst("email")?.Value, required: false);
                email = emailRules.HasErrors ? null : email;
            }
            displayName = nameRules.HasErrors ? null : displayName;
            return new Profile(UsernameOf(identity.FindFirst("preferred_username")?.Value), displayName, email);
        }

        /// <summary><c>preferred_username</c> before an <c>@</c>, reduced to the username alphabet; "user" when little is left.</summary>
        private static string UsernameOf(string? preferred)
        {
            var local = preferred?.Split('@')[0] ?? "";
            var kept = new StringBuilder();
            foreach (var c in local)
            {
                if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')
                {
                    kept.Append(c);
                }
            }
            var name = kept.Length > InputRules.MaxUsernameLength ? kept.ToString(0, InputRules.MaxUsernameLength) : kept.ToString();
            return name.Length >= 3 ? name : "user";
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An external access token was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created user {UserId} for an external identity")]
    private static partial void LogCreated(ILogger logger, string userId);
}
