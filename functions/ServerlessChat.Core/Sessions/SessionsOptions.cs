using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Sessions;

public sealed class SessionsOptions
{
    public const string Section = "Sessions";

    /// <summary>
    /// How long an instance trusts its list of ended sessions before reading the store again: an ended session's
    /// access tokens and hub connections stop within this many seconds. API.md promises at most 60.
    /// </summary>
    [Range(1, 60)]
    public int RevocationCacheSeconds { get; set; } = 60;

    public TimeSpan RevocationCacheLifetime => TimeSpan.FromSeconds(RevocationCacheSeconds);
}
