using ServerlessChat.Core.Domain;

namespace ServerlessChat.Core.Sync;

/// <summary>One change: <see cref="Type"/> is the realtime event name, <see cref="Data"/> that event's object as it stands now.</summary>
public sealed record SyncChangeDto(string Type, object Data, string Cursor);

/// <param name="SettlesInMs">
/// Set when changes after <paramref name="Cursor"/> are still being written (or were given up by a failed
/// write, which the server only knows once they are older than the settle window): sync again from the cursor
/// after this many milliseconds to get them. A connected client gets such a change live as well, except when
/// its write was interrupted before it was published.
/// </param>
public sealed record SyncAnswerDto(IReadOnlyList<SyncChangeDto> Changes, string Cursor, bool HasMore, long? SettlesInMs = null);

/// <summary>
/// Turns change-log entries of a type that another feature records (with <see cref="Storage.IChangeLog.AppendAsync"/>)
/// into the data of their event, as it stands now. Register one per type; it gets all the entries of its type in
/// a sync page at once, so it can resolve them with one lookup per store. An entry left out of the answer is
/// dropped (its entity is gone).
/// </summary>
public interface ISyncChangeResolver
{
    string Type { get; }

    Task<IReadOnlyDictionary<ChangeRecord, object>> ResolveAsync(string callerId, IReadOnlyList<ChangeRecord> changes, CancellationToken ct);
}
