using System.Net;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NSwag.CodeGeneration.CSharp;
using ServerlessChat.Core.Api;
using ServerlessChat.Core.Api.OpenApi;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.ClientGen;

/// <summary>
/// API.md: a client generated from /api/openapi.json needs no hand edits. Generated here, as a client's build
/// would, from the running host's document: TypeScript types (openapi-typescript) checked with tsc --strict
/// against client.ts, and a C# client (NSwag) compiled with Roslyn.
/// </summary>
[Collection(SharedHostCollection.Name)]
public sealed class GeneratedClientTests(SharedHostFixture fixture)
{
    private static readonly string ToolsDirectory = Path.Combine(RepoPaths.Root, "tests", "ServerlessChat.Tests", "ClientGen");

    private static readonly string[] AnonymousRoutes =
        [ChatRoutes.Health, ChatRoutes.Register, ChatRoutes.Login, ChatRoutes.Refresh, ChatRoutes.PasswordReset, ChatRoutes.PasswordResetConfirm];

    [SkippableFact]
    public async Task TypeScriptTypesGeneratedFromTheDocumentTypeCheckAClientThatLeavesOptionalFieldsOut()
    {
        var node = NodeTools.RequireNode("the TypeScript client generation test");

        await NodeTools.NpmCiAsync(ToolsDirectory);
        var work = Directory.CreateTempSubdirectory("serverlesschat-ts-client-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "openapi.json"), await fixture.Host.Client.GetStringAsync("api/openapi.json"));
            File.Copy(Path.Combine(ToolsDirectory, "client.ts"), Path.Combine(work, "client.ts"));
            var modules = Path.Combine(ToolsDirectory, "node_modules");

            await NodeTools.RunAsync(node, work, Path.Combine(modules, "openapi-typescript", "bin", "cli.js"), "openapi.json", "--output", "api.ts");
            await NodeTools.RunAsync(node, work, Path.Combine(modules, "typescript", "bin", "tsc"),
                "--strict", "--noEmit", "--skipLibCheck", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler",
                "--lib", "es2022,dom", "client.ts");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task ACSharpClientGeneratedByNSwagFromTheDocumentCompilesWithoutErrors()
    {
        var json = await fixture.Host.Client.GetStringAsync("api/openapi.json");
        var document = await NSwag.OpenApiDocument.FromJsonAsync(json);
        var settings = new CSharpClientGeneratorSettings { ClassName = "ChatClient", GenerateClientInterfaces = true };
        settings.CSharpGeneratorSettings.Namespace = "Generated.ServerlessChat";
        settings.CSharpGeneratorSettings.JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson;
        var code = new CSharpClientGenerator(document, settings).GenerateFile();

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "GeneratedChatClient",
            [CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        var result = compilation.Emit(output);

        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, "the generated client does not compile:\n" + string.Join('\n', errors.Take(20)));
        // Typed problem details, not only an untyped ApiException, for the listed problem answers.
        Assert.Contains("ApiException<ProblemDetails>", code, StringComparison.Ordinal);
        Assert.Contains("System.Threading.Tasks.Task<SessionDto> RegisterAsync(RegisterRequest body", code, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDocumentRequiresTheBearerSchemeOnEveryRouteButHealthAndTheAnonymousAuthRoutes()
    {
        var document = await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/openapi.json"), HttpStatusCode.OK);

        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);
        foreach (var endpoint in ChatApi.Endpoints)
        {
            var operation = Operation(document, endpoint);
            var schemes = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(p => p.Key)).ToList() ?? [];
            if (AnonymousRoutes.Contains(endpoint.Route))
            {
                Assert.True(schemes.Count == 0, $"{endpoint.Name} needs no token but declares {string.Join(", ", schemes)}");
            }
            else if (ChatEndpointTraits.RequiresApiKey(endpoint))
            {
                // The server API: the integrator's key, never a user's bearer token.
                Assert.True(schemes.SequenceEqual([ChatDocumentTransformer.ApiKeyScheme]), $"{endpoint.Name} does not require the API key scheme");
                Assert.NotNull(operation["responses"]!["401"]);
            }
            else
            {
                Assert.True(schemes.SequenceEqual(["Bearer"]), $"{endpoint.Name} does not require the bearer scheme");
                Assert.NotNull(operation["responses"]!["401"]);
            }
        }
    }

    [Fact]
    public async Task EveryRouteListsItsProblemAnswersAsProblemDetailsWithTheirStatusCodes()
    {
        var document = await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/openapi.json"), HttpStatusCode.OK);

        var problem = document["components"]!["schemas"]!["ProblemDetails"]!;
        Assert.Equal(["status", "title", "traceId", "type"], problem["required"]!.AsArray().Select(n => (string)n!).Order());
        Assert.NotNull(problem["properties"]!["errors"]);
        foreach (var endpoint in ChatApi.Endpoints)
        {
            var responses = Operation(document, endpoint)["responses"]!.AsObject();
            var listed = responses
                .Where(r => r.Value!["content"]?["application/problem+json"] is not null)
                .Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            Assert.All(listed, status => Assert.Equal("#/components/schemas/ProblemDetails",
                (string?)responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]!["application/problem+json"]!["schema"]!["$ref"]));

            var expected = new List<int>();
            if (endpoint.RateLimit != Core.RateLimiting.RateLimitPolicy.None)
            {
                expected.Add(429);
            }

            if (Operation(document, endpoint)["requestBody"] is not null)
            {
                expected.AddRange([400, 413, 415]);
            }

            if (endpoint.Route.Contains("{id}", StringComparison.Ordinal))
            {
                expected.Add(404);
            }

            expected.AddRange(endpoint.Problems);
            Assert.True(expected.All(listed.Contains), $"{endpoint.Name} lists {string.Join(",", listed)}, expected at least {string.Join(",", expected.Distinct())}");
        }

        var health = Operation(document, ChatApi.Endpoints.Single(e => e.Route == ChatRoutes.Health))["responses"]!.AsObject();
        Assert.NotNull(health["503"]);
        Assert.NotNull(Operation(document, ChatApi.Endpoints.Single(e => e.Route == ChatRoutes.Register))["responses"]!["409"]);
        // Blocking, reactions on a deleted message and an expired sync cursor.
        foreach (var (name, status) in new[] { ("SendMessage", "403"), ("SignalCall", "403"), ("AddReaction", "409"), ("RemoveReaction", "409"), ("Sync", "410") })
        {
            var responses = Operation(document, ChatApi.Endpoints.Single(e => e.Name == name))["responses"]!.AsObject();
            Assert.True(responses.ContainsKey(status), $"{name} lists {string.Join(",", responses.Select(r => r.Key))}, not {status}");
        }
    }

    [Fact]
    public async Task RequestSchemasRequireOnlyTheFieldsApiMdRequires()
    {
        var document = await ChatApiClient.ReadAsync(await fixture.Host.Client.GetAsync("api/openapi.json"), HttpStatusCode.OK);
        var schemas = document["components"]!["schemas"]!;

        Assert.Equal(["email", "password", "username"], Required(schemas["RegisterRequest"]!));
        // content may be left out when attachmentIds is not empty; receiverId or groupId: exactly one.
        Assert.Empty(Required(schemas["SendMessageRequest"]!));
        Assert.Equal(["name"], Required(schemas["CreateGroupRequest"]!));
        Assert.Empty(Required(schemas["UpdateMembersRequest"]!));
        Assert.Equal(["password"], Required(schemas["LoginRequest"]!));
        // Answers: a field that can be null is not required, and says it can be null.
        Assert.DoesNotContain("receiverId", Required(schemas["MessageDto"]!));
        Assert.Contains("content", Required(schemas["MessageDto"]!));
        Assert.Contains("null", schemas["MessageDto"]!["properties"]!["editedAt"]!["type"]!.AsArray().Select(t => (string?)t));
        Assert.DoesNotContain("email", Required(schemas["UserDto"]!));
    }

    private static List<string> Required(JsonNode schema) =>
        schema["required"]?.AsArray().Select(n => (string)n!).Order().ToList() ?? [];

    private static JsonNode Operation(JsonNode document, ChatEndpoint endpoint) =>
        document["paths"]![$"/{ChatRoutes.Prefix}/{endpoint.Route}"]![endpoint.Method.ToLowerInvariant()]!;
}
