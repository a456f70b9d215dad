using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.ServerApi;

public sealed record UpsertServerUserRequest([property: Required] string? Username, string? DisplayName, string? Email);

/// <summary>Users by external id.</summary>
public sealed record CreateServerGroupRequest([property: Required] string? Name, [property: Required] IReadOnlyList<string>? MemberIds, IReadOnlyList<string>? AdminIds);

/// <summary>Users by external id.</summary>
public sealed record UpdateServerGroupMembersRequest(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

/// <summary>Users by external id; <c>groupId</c> a group's id.</summary>
public sealed record ServerMessageRequest([property: Required] string? SenderId, string? ReceiverId, string? GroupId, string? Content, string? ClientMessageId);
