using System.ComponentModel.DataAnnotations;
using ServerlessChat.Core.Api;

namespace ServerlessChat.Core.Account;

/// <summary><c>DELETE /api/users/me</c>: the account's password confirms the erasure.</summary>
public sealed record DeleteAccountRequest([property: Required] string? Password);

/// <summary>An export: <c>running</c>, <c>ready</c> (with a signed link to the ZIP until <see cref="ExpiresAt"/>) or <c>failed</c>.</summary>
public sealed record ExportDto(string Id, string Status, string? Url = null, DateTimeOffset? ExpiresAt = null);

/// <summary><c>account.json</c> of an export.</summary>
public sealed record ExportAccountDto(
    UserDto User,
    IReadOnlyList<ExportSessionDto> Sessions,
    IReadOnlyList<string> Blocks,
    IReadOnlyList<string> Mutes,
    IReadOnlyList<ExportPushSubscriptionDto> PushSubscriptions);

public sealed record ExportSessionDto(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, string? UserAgent);

/// <summary>A push subscription without its keys.</summary>
public sealed record ExportPushSubscriptionDto(string Endpoint, DateTimeOffset CreatedAt);
