using ServerlessChat.Core.Api;

namespace ServerlessChat.Core.Threads;

/// <summary>A page of a thread, oldest first; <see cref="NextAfter"/> is null at the end.</summary>
public sealed record ThreadPageDto(IReadOnlyList<MessageDto> Items, string? NextAfter);
