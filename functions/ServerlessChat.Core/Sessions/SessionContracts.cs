using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Sessions;

/// <summary>One of the caller's sessions; <c>current</c> marks the one the request's access token belongs to.</summary>
public sealed record SessionInfoDto(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, string? UserAgent, bool Current);

public sealed record ChangePasswordRequest([property: Required] string? CurrentPassword, [property: Required] string? NewPassword);
