using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Assistant;

/// <summary>
/// The assistant's user account: found by its username, or created as an assistant that can never log in.
/// Every instance of the app does this at start; the unique username makes concurrent starts agree on one account.
/// </summary>
public sealed partial class AssistantAccount(IUserStore users, IOptions<AssistantOptions> options, TimeProvider time, ILogger<AssistantAccount> logger)
{
    // Not a BCrypt hash, so no password verifies against it; AuthService also refuses assistants outright.
    private const string UnusablePasswordHash = "!";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile string? _userId;

    /// <summary>The assistant's user id once it is known; null while the assistant is disabled or not yet set up.</summary>
    public string? KnownUserId => _userId;

    /// <summary>The assistant's user id, creating the account on first use; null when the assistant is disabled.</summary>
    public async ValueTask<string?> GetUserIdAsync(CancellationToken ct)
    {
        if (_userId is not null || !options.Value.Enabled)
        {
            return _userId;
        }

        await _gate.WaitAsync(ct);
        try
        {
            return _userId ??= await EnsureAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string> EnsureAsync(CancellationToken ct)
    {
        var settings = options.Value;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var existing = await users.FindByUsernameAsync(settings.Username, ct);
            if (existing is not null)
            {
                return existing.IsAssistant
                    ? existing.Id
                    : throw new InvalidOperationException($"The username '{settings.Username}' (Assistant:Username) belongs to a person; choose another name for the assistant.");
            }

            var now = time.GetStoredNow();
            var user = new UserRecord(
                ObjectId.GenerateNewId().ToString(),
                settings.Username,
                // The .invalid top-level domain can never receive mail, so a password reset for it goes nowhere.
                $"{settings.Username.ToLowerInvariant()}@assistant.invalid",
                settings.DisplayName,
                UnusablePasswordHash,
                now,
                now,
                IsAssistant: true);
            switch (await users.CreateAsync(user, ct))
            {
                case CreateUserOutcome.Created:
                    LogCreated(logger, user.Id, user.Username);
                    return user.Id;
                case CreateUserOutcome.EmailTaken:
                    throw new InvalidOperationException($"The assistant's address {user.Email} is taken by another account.");
            }

            // UsernameTaken: another instance created it between the lookup and the insert; look again.
        }

        throw new InvalidOperationException("The assistant account could not be created.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the assistant account {UserId} ({Username})")]
    private static partial void LogCreated(ILogger logger, string userId, string username);
}
