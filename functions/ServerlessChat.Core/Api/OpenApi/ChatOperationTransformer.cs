using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ServerlessChat.Core.Api.OpenApi;

/// <summary>
/// Per route of <see cref="ChatApi.Endpoints"/>: the bearer requirement where a token is needed and the
/// problem+json answers of <see cref="ChatEndpointTraits.ProblemStatuses"/>.
/// </summary>
internal sealed class ChatOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.Description.ActionDescriptor.EndpointMetadata.OfType<ChatEndpoint>().FirstOrDefault();
        if (endpoint is null)
        {
            return Task.CompletedTask;
        }

        var document = context.Document;
        if (ChatEndpointTraits.RequiresToken(endpoint))
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ChatDocumentTransformer.BearerScheme, document)] = [] },
            ];
        }
        else if (ChatEndpointTraits.RequiresApiKey(endpoint))
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ChatDocumentTransformer.ApiKeyScheme, document)] = [] },
            ];
        }

        operation.Responses ??= new OpenApiResponses();
        foreach (var status in ChatEndpointTraits.ProblemStatuses(endpoint))
        {
            var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.ContainsKey(code))
            {
                operation.Responses[code] = Problem(status, document);
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiResponse Problem(int status, OpenApiDocument? document)
    {
        var response = new OpenApiResponse
        {
            Description = Describe(status),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ChatDocumentTransformer.ProblemSchema, document) },
            },
        };
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                },
            };
        }

        return response;
    }

    private static string Describe(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Malformed JSON or failed validation; errors names the fields.",
        StatusCodes.Status401Unauthorized => "Missing, malformed, forged or expired token, or wrong credentials.",
        StatusCodes.Status403Forbidden => "Authenticated but not allowed to do this.",
        StatusCodes.Status404NotFound => "Not found, or not visible to the caller.",
        StatusCodes.Status409Conflict => "Conflicts with the current state.",
        StatusCodes.Status413PayloadTooLarge => "The body is larger than allowed.",
        StatusCodes.Status415UnsupportedMediaType => "The body is not JSON.",
        StatusCodes.Status429TooManyRequests => "Rate limited; retry after Retry-After seconds.",
        StatusCodes.Status503ServiceUnavailable => "Storage is unavailable or busy; retry later.",
        _ => "A problem.",
    };
}
