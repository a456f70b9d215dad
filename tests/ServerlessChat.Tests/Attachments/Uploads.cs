using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Attachments;

/// <summary>The client's side of an upload, as API.md describes it: a slot, then the bytes to its URL with exactly its headers.</summary>
public static class Uploads
{
    public static async Task<JsonNode> SlotAsync(ChatApiClient user, string fileName, string contentType, long size) =>
        await ChatApiClient.ReadAsync(await user.PostAsync("api/attachments", new { fileName, contentType, size }), HttpStatusCode.Created);

    /// <summary>Sends the bytes to the slot's URL with no bearer token.</summary>
    public static async Task<HttpResponseMessage> PutAsync(HttpClient http, JsonNode slot, byte[] bytes)
    {
        using var request = new HttpRequestMessage(new HttpMethod((string)slot["uploadMethod"]!), (string)slot["uploadUrl"]!)
        {
            Content = new ByteArrayContent(bytes),
        };
        foreach (var (name, value) in slot["uploadHeaders"]!.AsObject())
        {
            if (!request.Headers.TryAddWithoutValidation(name, (string)value!))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (string)value!);
            }
        }
        return await http.SendAsync(request);
    }

    /// <summary>A slot and an upload that succeeds; returns the attachment id.</summary>
    public static async Task<string> UploadAsync(ChatApiClient user, string fileName, string contentType, byte[] bytes, long? declaredSize = null)
    {
        var slot = await SlotAsync(user, fileName, contentType, declaredSize ?? bytes.Length);
        var response = await PutAsync(user.Http, slot, bytes);
        Assert.True(response.IsSuccessStatusCode, $"upload answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (string)slot["id"]!;
    }

    /// <summary>Downloads a signed URL with no bearer token.</summary>
    public static Task<HttpResponseMessage> GetAsync(HttpClient http, string url) => http.GetAsync(url);
}
