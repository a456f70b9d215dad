using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ServerlessChat.Tests.Infrastructure;

/// <summary>A signed-in test user talking to a host over HTTP, with helpers for the common calls.</summary>
public sealed class ChatApiClient(HttpClient http, string userId, string username, string email, string password, string accessToken, string refreshToken)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = http;
    public string UserId { get; } = userId;
    public string Username { get; } = username;
    public string Email { get; } = email;
    public string Password { get; } = password;
    public string AccessToken { get; } = accessToken;
    public string RefreshToken { get; } = refreshToken;

    /// <summary>Registers a user with a name no other test uses.</summary>
    public static async Task<ChatApiClient> RegisterAsync(HttpClient http, string prefix = "u")
    {
        var username = UniqueName(prefix);
        var email = $"{username}@example.test";
        const string password = "correct horse battery";
        var response = await http.PostAsJsonAsync("api/auth/register", new { username, email, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {response.StatusCode}: {body}");
        var session = JsonNode.Parse(body)!;
        return new ChatApiClient(http, (string)session["user"]!["id"]!, username, email, password,
            (string)session["accessToken"]!, (string)session["refreshToken"]!);
    }

    /// <summary>Signs in with username (or email) and password; returns the parsed Session.</summary>
    public static async Task<JsonNode> LoginAsync(HttpClient http, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await http.PostAsJsonAsync("api/auth/login", body);
        return expected == HttpStatusCode.OK ? await ReadAsync(response, expected) : await ReadProblemAsync(response, expected);
    }

    /// <summary>The same user with other tokens, e.g. after a refresh or a forged token for hostile-input tests.</summary>
    public ChatApiClient WithTokens(string accessToken, string? refreshToken = null) =>
        new(Http, UserId, Username, Email, Password, accessToken, refreshToken ?? RefreshToken);

    /// <summary>The same user talking to another host process, e.g. one restarted on the same data.</summary>
    public ChatApiClient OnHost(StandaloneHost host) => new(host.Client, UserId, Username, Email, Password, AccessToken, RefreshToken);

    /// <summary>An anonymous request with a raw body and content type, for malformed-input tests.</summary>
    public static async Task<HttpResponseMessage> PostRawAsync(HttpClient http, string path, string body, string contentType = "application/json", string? accessToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await http.SendAsync(request);
    }

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(32, prefix.Length + 17)];

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<HttpResponseMessage> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    public Task<HttpResponseMessage> PutAsync(string path, object? body) => SendAsync(HttpMethod.Put, path, body);

    public Task<HttpResponseMessage> PatchAsync(string path, object? body) => SendAsync(HttpMethod.Patch, path, body);

    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, string? rawJson = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        if (rawJson is not null)
        {
            request.Content = new StringContent(rawJson, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        return await Http.SendAsync(request);
    }

    public async Task<JsonNode> SendMessageAsync(object body)
    {
        var response = await PostAsync("api/messages", body);
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    public async Task<JsonNode> CreateGroupAsync(string name, params string[] memberIds)
    {
        var response = await PostAsync("api/groups", new { name, memberIds });
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Asserts the status and returns the parsed body.</summary>
    public static async Task<JsonNode> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts a problem+json answer with the status and returns it.</summary>
    public static async Task<JsonNode> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)expected, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.False(string.IsNullOrEmpty((string?)problem["traceId"]));
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return problem;
    }
}
