using System.Text.Json;
using ServerlessChat.Core.Assistant;
using ServerlessChat.Core.Http;

namespace ServerlessChat.Tests.Assistant;

public sealed class AssistantQueueMessageTests
{
    [Fact]
    public void AQueuedJobReadsBackAsTheSameJob()
    {
        var job = new AssistantJob("d:0123456789abcdef01234567:76543210fedcba9876543210", "0123456789abcdef01234567", "aaaaaaaaaaaaaaaaaaaaaaaa");

        var body = JsonSerializer.Serialize(job, ChatJson.Options);

        Assert.Equal(job, StorageAssistantQueue.Parse(body));
        Assert.Contains("\"conversationId\":", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{\"conversationId\":\"c\",\"userId\":\"u\",\"messageId\":\"m\",\"extra\":1}")]
    [InlineData("not json")]
    public void AMalformedMessageIsRefused(string body) => Assert.ThrowsAny<JsonException>(() => StorageAssistantQueue.Parse(body));
}
