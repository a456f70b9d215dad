namespace ServerlessChat.Core.Storage.Sqlite;

/// <summary>The database file as resolved at registration (absolute), and the durability level of commits.</summary>
internal sealed record SqliteStoreSettings(string Path, SqliteSynchronous Synchronous);
