using ServerlessChat.Core.Api;

namespace ServerlessChat.Core.Threads;

/// <summary>A page of a thread, oldest first; <see cref="NextAfter"/> is null at the end.</summary>
public sealed record ThreadPageDto(IReadOnlyList<MessageDto> Items, string? NextAfter);

/// <summary>One of the caller's threads: its root, the replies the caller has not read, the latest reply's time.</summary>
public sealed record ThreadItemDto(MessageDto Root, long Unread, DateTimeOffset LastReplyAt);

/// <summary>The caller's threads, latest reply first; <see cref="NextBefore"/> (a root id) is null at the end.</summary>
public sealed record ThreadListDto(IReadOnlyList<ThreadItemDto> Items, string? NextBefore);
