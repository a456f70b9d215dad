using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Sync;

/// <summary>One change: <see cref="Type"/> is the realtime event name, <see cref="Data"/> that event's object as it stands now.</summary>
public sealed record SyncChangeDto(string Type, object Data, string Cursor);

public sealed record SyncAnswerDto(IReadOnlyList<SyncChangeDto> Changes, string Cursor, bool HasMore);

/// <summary>
/// Turns change-log entries of a type that another feature records (with <see cref="Storage.IChangeLog.AppendAsync"/>)
/// into the data of its event, as it stands now. Register one per type; null drops the change (the entity is gone).
/// </summary>
public interface ISyncChangeResolver
{
    string Type { get; }

    Task<object?> ResolveAsync(string callerId, ChangeRecord change, string cursor, CancellationToken ct);
}
