namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>
/// The database file as resolved at registration (absolute), the durability level of commits, and how many read
/// connections are kept open beside the writer.
/// </summary>
internal sealed record SqliteStoreSettings(string Path, SqliteSynchronous Synchronous, int ReadConnections);
