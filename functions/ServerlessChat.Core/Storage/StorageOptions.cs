using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Storage;

public enum StorageProvider { Sqlite, MongoDb }

public enum SqliteSynchronous { Normal, Full }

/// <summary>How MongoDB searches messages: see <see cref="StorageOptions.MongoSearch"/>.</summary>
public enum MongoSearchMode { WordIndex, Bounded }

public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Where relative data paths (<see cref="SqlitePath"/>, <c>Email:PickupDirectory</c>, the Development signing
    /// key) resolve. Empty: the standalone host's content root; the Functions app's default is outside its own
    /// folder (see <see cref="DataPaths"/>).
    /// </summary>
    public string? DataRoot { get; set; }

    /// <summary>Relative paths are resolved against <see cref="DataRoot"/>.</summary>
    [Required]
    public string SqlitePath { get; set; } = "data/serverlesschat.db";

    /// <summary>NORMAL in WAL mode survives a killed process; FULL also survives power loss, at a tenth of the write rate.</summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>
    /// Read connections kept open for the life of the process (each holds three descriptors: the file, its WAL and
    /// its shared memory); a read waits for a free one rather than opening another, so a burst of requests never
    /// runs the process out of descriptors inside the store.
    /// </summary>
    [Range(1, 64)]
    public int SqliteReadConnections { get; set; } = 8;

    public string? MongoConnectionString { get; set; }

    public string MongoDatabase { get; set; } = "serverlesschat";

    /// <summary>
    /// WordIndex (MongoDB, Cosmos DB for MongoDB vCore): prefix ranges on the multikey index of each message's
    /// normalized words, complete answers. Bounded (Cosmos DB for MongoDB RU, whose indexes cannot serve those
    /// ranges): each conversation's newest <see cref="MongoSearchScanLimit"/> messages before the cursor are
    /// looked at, and the answer says complete:false when a conversation had more.
    /// </summary>
    public MongoSearchMode MongoSearch { get; set; } = MongoSearchMode.WordIndex;

    [Range(100, 100_000)]
    public int MongoSearchScanLimit { get; set; } = 2000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == StorageProvider.MongoDb && string.IsNullOrWhiteSpace(MongoConnectionString))
        {
            yield return new ValidationResult("Storage:MongoConnectionString is required when Storage:Provider is MongoDb.", [nameof(MongoConnectionString)]);
        }
    }
}
