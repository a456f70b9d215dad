using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace ServerlessChat.Core.Moderation;

public sealed record ReportRequest(string? MessageId, string? UserId, [property: Required] string? Reason, string? Note);

public sealed record ReportCreatedDto(string Id);

/// <summary>What was reported; <c>snapshot</c> is the message or user as it was at the first report.</summary>
public sealed record ReportTargetDto(string Type, string? MessageId, string UserId, string? ConversationId, JsonElement Snapshot);

public sealed record ReportResolutionDto(string Action, string? Note, string ActorId, DateTimeOffset At);

public sealed record ReportDto(
    string Id,
    ReportTargetDto Target,
    string Reason,
    string? Note,
    IReadOnlyList<string> ReporterIds,
    int Count,
    string Status,
    DateTimeOffset CreatedAt,
    ReportResolutionDto? Resolution);

public sealed record ReportPageDto(IReadOnlyList<ReportDto> Items, string? NextBefore);

public sealed record ResolveReportRequest([property: Required] string? Action, string? Note, int? Days);

public sealed record SuspendRequest(DateTimeOffset? Until, [property: Required] string? Reason);

public sealed record SuspensionDto(string UserId, DateTimeOffset? Until, string Reason);

public sealed record SetRoleRequest([property: Required] string? Role);

/// <summary>A user as `PUT /api/moderation/users/{id}/role` answers it: the User fields and the role now in force.</summary>
public sealed record ModeratedUserDto(string Id, string Username, string DisplayName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Role);

public sealed record AuditTargetDto(string Type, string Id);

public sealed record AuditEntryDto(string Id, string ActorId, string Action, AuditTargetDto Target, string? Note, DateTimeOffset At);

public sealed record AuditPageDto(IReadOnlyList<AuditEntryDto> Items, string? NextBefore);
