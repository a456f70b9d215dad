namespace ServerlessChat.Core.Domain;

public static class StoredTime
{
    /// <summary>
    /// Now, to the millisecond: what both stores keep. Stamping records at this precision makes the answer to
    /// a write equal to what a later read of the same record returns.
    /// </summary>
    public static DateTimeOffset GetStoredNow(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }
}
