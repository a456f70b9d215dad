using System.ComponentModel.DataAnnotations;

namespace ServerlessChat.Core.Realtime;

public sealed class PresenceOptions : IValidatableObject
{
    public const string Section = "Presence";

    /// <summary>
    /// A user with open connections counts as online while its lastSeenAt is younger than this. Clients send a
    /// heartbeat every 30 seconds (<c>POST /api/presence/heartbeat</c>), so three missed heartbeats turn a user
    /// offline even when the disconnect event was lost.
    /// </summary>
    [Range(10, 3600)]
    public int TimeoutSeconds { get; set; } = 90;

    /// <summary>How often a host looks for users whose heartbeats stopped (the standalone host's sweeper period).</summary>
    [Range(1, 1800)]
    public int SweepSeconds { get; set; } = 30;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public TimeSpan SweepInterval => TimeSpan.FromSeconds(SweepSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The standalone sweeper also refreshes its own connected users; it must do so well within the timeout.
        if (SweepSeconds * 2 > TimeoutSeconds)
        {
            yield return new ValidationResult("Presence:SweepSeconds must be at most half of Presence:TimeoutSeconds.", [nameof(SweepSeconds)]);
        }
    }
}

public sealed class CallsOptions : IValidatableObject
{
    public const string Section = "Calls";

    /// <summary>The STUN and TURN servers handed to WebRTC clients; empty means host candidates only.</summary>
    public List<IceServerOptions> IceServers { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < IceServers.Count; i++)
        {
            var server = IceServers[i];
            var name = $"Calls:IceServers:{i}";
            if (server.Urls.Count == 0)
            {
                yield return new ValidationResult($"{name}:Urls needs at least one stun:, stuns:, turn: or turns: url.", [nameof(IceServers)]);
            }

            foreach (var url in server.Urls)
            {
                if (!IceServerOptions.IsIceUrl(url))
                {
                    yield return new ValidationResult($"{name}:Urls has '{url}', which is not a stun:, stuns:, turn: or turns: url.", [nameof(IceServers)]);
                }
            }

            // A TURN server without credentials is refused by browsers, so it is a configuration error here.
            if (server.Urls.Any(u => u.StartsWith("turn", StringComparison.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(server.Username) || string.IsNullOrEmpty(server.Credential)))
            {
                yield return new ValidationResult($"{name} is a TURN server and needs Username and Credential.", [nameof(IceServers)]);
            }
        }
    }
}

public sealed class IceServerOptions
{
    public List<string> Urls { get; set; } = [];

    public string? Username { get; set; }

    public string? Credential { get; set; }

    public static bool IsIceUrl(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && url.Length > colon + 1
            && url[..colon].ToLowerInvariant() is "stun" or "stuns" or "turn" or "turns"
            && !url.Any(char.IsWhiteSpace);
    }
}
