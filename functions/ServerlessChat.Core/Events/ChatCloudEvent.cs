using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Core.Events;

/// <summary>
/// One event out, a CloudEvent 1.0. <see cref="Id"/> is the change's cursor (unique per change, the same on every
/// retry, so receivers can drop repeats); <see cref="Data"/> the object the matching realtime event carries.
/// </summary>
public sealed record ChatCloudEvent(string Id, string Source, string Type, string Subject, DateTimeOffset Time, object Data)
{
    public const string ContentType = "application/cloudevents+json";

    /// <summary>The structured JSON form (application/cloudevents+json).</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(
        new Envelope("1.0", Id, Source, Type, Subject, Time, "application/json", Data), ChatJson.Options);

    private sealed record Envelope(
        [property: JsonPropertyName("specversion")] string SpecVersion,
        string Id,
        string Source,
        string Type,
        string Subject,
        DateTimeOffset Time,
        [property: JsonPropertyName("datacontenttype")] string DataContentType,
        object Data);
}
