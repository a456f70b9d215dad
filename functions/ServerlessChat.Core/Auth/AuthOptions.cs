using System.ComponentModel.DataAnnotations;
using System.Text;

namespace ServerlessChat.Core.Auth;

public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>HS256 key, at least 32 bytes of UTF-8. Development generates one into the data folder when unset.</summary>
    public string? JwtSigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "serverlesschat";

    [Required]
    public string Audience { get; set; } = "serverlesschat-clients";

    [Range(1, 1440)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    [Range(5, 1440)]
    public int PasswordResetMinutes { get; set; } = 30;

    /// <summary>BCrypt cost; each step doubles the time a hash takes.</summary>
    [Range(4, 31)]
    public int BcryptWorkFactor { get; set; } = 12;

    /// <summary>False for products whose users sign in elsewhere: register, login, password reset and change answer 404.</summary>
    public bool LocalAccounts { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(JwtSigningKey) || Encoding.UTF8.GetByteCount(JwtSigningKey) < 32)
        {
            yield return new ValidationResult("Auth:JwtSigningKey must be set to at least 32 bytes.", [nameof(JwtSigningKey)]);
        }
    }
}
