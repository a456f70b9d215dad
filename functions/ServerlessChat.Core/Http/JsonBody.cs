using System.Buffers;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace ServerlessChat.Core.Http;

/// <summary>
/// A JSON request body read the same way on both hosts: JSON media type or 415, at most
/// <see cref="MaxBytes"/> or 413, well-formed and of the right types or 400 naming the field. The framework's
/// own body binding answers these with an empty 400, which is why bodies are bound here.
/// </summary>
public sealed class JsonBody<T> : IEndpointParameterMetadataProvider where T : class
{
    public const int MaxBytes = 64 * 1024;

    private JsonBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            throw new ProblemException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The request body must be application/json.");
        }

        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        var cancellation = context.RequestAborted;
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellation);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBytes)
            {
                throw TooLarge();
            }
        }

        if (buffer.WrittenCount == 0)
        {
            throw ProblemException.BadRequest("A JSON request body is required.");
        }

        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(buffer.WrittenSpan, ChatJson.Options);
        }
        catch (JsonException error)
        {
            var field = FieldName(error.Path);
            throw field is null
                ? ProblemException.BadRequest("The request body is not valid JSON of the expected shape.")
                : ProblemException.Validation(field, "The value is missing, of the wrong type, or not allowed here.");
        }

        return value is null
            ? throw ProblemException.BadRequest("A JSON object is required.")
            : new JsonBody<T>(value);
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T)));

    private static ProblemException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The request body must be at most {MaxBytes / 1024} KiB.");

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var type = mediaType.MediaType;
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>"$.receiverId" becomes "receiverId"; "$" or unknown gives null.</summary>
    private static string? FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var name = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var cut = name.IndexOfAny(['.', '[']);
        return cut > 0 ? name[..cut] : name;
    }
}
