namespace ServerlessChat.Core.Caching;

public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string. When set, the cache, the rate-limit counters and the standalone host's SignalR backplane use it.</summary>
    public string? ConnectionString { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
