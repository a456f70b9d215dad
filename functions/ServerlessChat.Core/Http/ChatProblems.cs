using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessChat.Core.Http;

/// <summary>
/// The one place that turns an exception into the answer a client sees: a problem+json body with a traceId and
/// never an exception message, stack trace or driver text.
/// </summary>
public static class ChatProblems
{
    public static IResult ToResult(HttpContext context, Exception exception)
    {
        if (exception is ProblemException problem)
        {
            if (problem.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Create(context, problem.Status, problem.Title, problem.Detail, problem.Errors);
        }

        if (exception is BadHttpRequestException badRequest)
        {
            // Kestrel and the binding layer use this for oversized or unreadable bodies.
            return badRequest.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => Create(context, 413, "Payload too large", "The request body is larger than allowed."),
                StatusCodes.Status415UnsupportedMediaType => Create(context, 415, "Unsupported media type", "The request body must be JSON."),
                _ => Create(context, 400, "Bad request", "The request could not be read."),
            };
        }

        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return Create(context, 499, "Client closed request", null);
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ServerlessChat.Errors");
        logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path.Value);
        return Create(context, StatusCodes.Status500InternalServerError, "Internal server error", "The server could not complete the request.");
    }

    public static Task WriteAsync(HttpContext context, Exception exception)
    {
        context.Response.Clear();
        SecurityHeaders.Apply(context.Response);
        return ToResult(context, exception).ExecuteAsync(context);
    }

    public static IResult Create(HttpContext context, int status, string title, string? detail, IDictionary<string, string[]>? errors = null)
    {
        ProblemDetails details = errors is { Count: > 0 }
            ? new HttpValidationProblemDetails(errors)
            : new ProblemDetails();
        details.Status = status;
        details.Title = title;
        details.Detail = detail;
        details.Type = TypeFor(status);
        details.Extensions["traceId"] = Activity.Current?.Id ?? context.TraceIdentifier;
        return TypedResults.Problem(details);
    }

    private static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => "about:blank",
    };
}
