using Microsoft.AspNetCore.Http;

namespace ServerlessChat.Core.Http;

/// <summary>
/// A client error found while handling a request. Thrown wherever the decision is made (binding, validation,
/// domain rules) and turned into one problem+json answer at the edge by <see cref="ChatProblems"/>.
/// </summary>
public sealed class ProblemException(int status, string title, string? detail = null, IDictionary<string, string[]>? errors = null)
    : Exception(detail ?? title)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IDictionary<string, string[]>? Errors { get; } = errors;

    public TimeSpan? RetryAfter { get; init; }

    public static ProblemException Validation(string field, string message) =>
        new(StatusCodes.Status400BadRequest, "Validation failed", "One or more fields are invalid.", new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemException Validation(IDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "Validation failed", "One or more fields are invalid.", errors);

    public static ProblemException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemException Unauthorized(string detail = "A valid access token is required.") =>
        new(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static ProblemException Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static ProblemException NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemException Conflict(string detail, IDictionary<string, string[]>? errors = null) =>
        new(StatusCodes.Status409Conflict, "Conflict", detail, errors);
}
