using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Email;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Core.Auth;

/// <summary>
/// The work of a password reset request, off the request path: looking the address up, storing a token (which
/// ends the user's older ones) and sending the email. Done in the request, it took longer for known addresses
/// (a write and a whole SMTP exchange) than for unknown ones, which told anyone which emails have accounts.
/// </summary>
public sealed partial class PasswordResetMailer(
    IUserStore users,
    IAuthTokenStore tokens,
    IEmailSender email,
    IOptions<AuthOptions> authOptions,
    IOptions<EmailOptions> emailOptions,
    TimeProvider time,
    ILogger<PasswordResetMailer> logger)
{
    public async Task HandleAsync(PasswordResetJob job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        var user = await users.FindByEmailAsync(job.Email, ct);
        if (user is null || user.IsAssistant)
        {
            return;
        }

        var now = time.GetUtcNow();
        var minutes = authOptions.Value.PasswordResetMinutes;
        var token = SecretTokens.Create();
        await tokens.InsertResetTokenAsync(new ResetTokenRecord(SecretTokens.Hash(token), user.Id, now, now.AddMinutes(minutes), null), ct);
        var link = $"{emailOptions.Value.ResetUrlBase}?token={Uri.EscapeDataString(token)}";
        await email.SendAsync(
            user.Email,
            "Reset your ServerlessChat password",
            $"Hello {user.DisplayName},\n\nTo choose a new password, open this link within {minutes} minutes:\n\n{link}\n\nIf you did not ask for this, ignore this email; your password stays as it is.\n",
            ct);
        LogResetSent(logger, user.Id);
    }

    [LoggerMessage(LogLevel.Information, "Password reset email sent to user {UserId}")]
    private static partial void LogResetSent(ILogger logger, string userId);
}
