using System.Globalization;

namespace ServerlessChat.Client;

/// <summary>
/// Every failed API call: the HTTP status (<see cref="StatusCode"/>) and, when the server sent one, its problem
/// details. The generated client throws <c>ChatApiException&lt;ProblemDetails&gt;</c> for the problem answers the
/// document lists, and this base type for any other status.
/// </summary>
public partial class ChatApiException
{
    /// <summary>The problem details the server sent, when it sent any.</summary>
    public ProblemDetails? Problem => this is ChatApiException<ProblemDetails> typed ? typed.Result : null;

    /// <summary>The answer's <c>Retry-After</c> (429, 503), when it had one.</summary>
    public TimeSpan? RetryAfter
    {
        get
        {
            if (Headers is null || !Headers.TryGetValue("Retry-After", out var values))
            {
                return null;
            }

            var value = values.FirstOrDefault()?.Trim();
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }

            return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
                : null;
        }
    }

    /// <summary>"Not now" rather than "never" (408, 429, 5xx): the same request may succeed later.</summary>
    public bool IsTransient => StatusCode is 408 or 429 or >= 500;
}
