using Microsoft.Extensions.DependencyInjection;

namespace ServerlessChat.Core.Api.OpenApi;

public static class ChatOpenApi
{
    public const string DocumentName = "openapi";

    /// <summary>
    /// The OpenAPI document at /api/openapi.json, shaped so that a generated client needs no hand edits: the
    /// bearer scheme on every route that needs a token, request fields required only where API.md requires them,
    /// nullable response fields optional, and each route's problem+json answers with their status codes.
    /// </summary>
    public static IServiceCollection AddChatOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<ChatDocumentTransformer>();
            options.AddOperationTransformer<ChatOperationTransformer>();
            options.AddSchemaTransformer<ChatSchemaTransformer>();
        });
}
