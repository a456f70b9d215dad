using System.ComponentModel.DataAnnotations;
using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Moderation;

/// <summary>Roles and reports (API.md "Trust and safety"), section <c>Moderation</c> beside the content filter's settings.</summary>
public sealed class ModerationOptions : IValidatableObject
{
    public const string Section = "Moderation";

    /// <summary>User ids (never names, which anyone could register first) that are admins whatever the store says.</summary>
    public List<string> AdminUserIds { get; set; } = [];

    /// <summary>Reports one user may file per hour; more answer 429.</summary>
    [Range(1, 10_000)]
    public int ReportsPerHour { get; set; } = 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AdminUserIds.Count; i++)
        {
            if (!InputRules.IsId(AdminUserIds[i]))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(AdminUserIds)}:{i} is not a user id (24 lowercase hex digits); names are not accepted here.", [nameof(AdminUserIds)]);
            }
        }
    }
}

/// <summary>A user's standing; each includes what the ones before it may do.</summary>
public enum ChatRole
{
    User,
    Moderator,
    Admin,
}
