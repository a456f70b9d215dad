using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Assistant;

/// <summary>
/// The assistant end to end: a standalone host whose assistant calls a fake Azure OpenAI endpoint in this
/// process. Each test owns its user and scripts the fake through a key that only its messages contain.
/// </summary>
public sealed class AssistantTests(AssistantHostFixture fixture) : IClassFixture<AssistantHostFixture>
{
    private const string TooManyRequestsReply = "You are sending me messages faster than I can answer. Please try again in a minute.";
    private const string ApologyReply = "Sorry, I cannot answer right now. Please try again in a little while.";

    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private StandaloneHost Host => fixture.Host;

    private FakeChatCompletionsServer Model => fixture.Model;

    [Fact]
    public async Task AReplyArrivesOverSignalRAfterTypingAndIsStoredAsAMessageFromTheAssistant()
    {
        var (user, assistantId, key) = await StartAsync();
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var question = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Hello there" });
        var questionId = (string)question["id"]!;
        var conversationId = (string)question["conversationId"]!;

        var typing = await inbox.WaitForAsync("typing", t => t.GetProperty("conversationId").GetString() == conversationId, ReplyTimeout);
        Assert.Equal(assistantId, typing.GetProperty("userId").GetString());

        var reply = await ReplyToAsync(inbox, questionId);
        Assert.Equal(assistantId, reply.GetProperty("senderId").GetString());
        Assert.Equal(user.UserId, reply.GetProperty("receiverId").GetString());
        Assert.Equal(conversationId, reply.GetProperty("conversationId").GetString());
        Assert.Equal($"Answer to: [{key}] Hello there", reply.GetProperty("content").GetString());

        var history = await HistoryAsync(user, assistantId);
        Assert.Equal([reply.GetProperty("id").GetString()!, questionId], history.Select(m => (string)m!["id"]!));

        var request = Assert.Single(Model.RequestsMentioning(key));
        Assert.Equal("test", request.Deployment);
        Assert.Equal(FakeChatCompletionsServer.ApiKey, request.ApiKey);
        Assert.False(string.IsNullOrEmpty(request.ApiVersion));
        Assert.Equal([("system", AssistantHostFixture.SystemPrompt), ("user", $"[{key}] Hello there")], request.Messages);
        var maxTokens = request.Body["max_completion_tokens"] ?? request.Body["max_tokens"];
        Assert.Equal(AssistantHostFixture.MaxOutputTokens, (int?)maxTokens);
    }

    [Fact]
    public async Task TheRequestCarriesTheSystemPromptAndTheConversationInOrderWithEarlierRepliesAsAssistantTurns()
    {
        var (user, assistantId, key) = await StartAsync();
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var first = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] What is a haiku?" });
        var firstReply = await ReplyToAsync(inbox, (string)first["id"]!);
        var second = await user.SendMessageAsync(new { receiverId = assistantId, content = "Write one about clouds." });
        await ReplyToAsync(inbox, (string)second["id"]!);

        var requests = Model.RequestsMentioning(key);
        Assert.Equal(2, requests.Count);
        Assert.Equal(
            [
                ("system", AssistantHostFixture.SystemPrompt),
                ("user", $"[{key}] What is a haiku?"),
                ("assistant", firstReply.GetProperty("content").GetString()!),
                ("user", "Write one about clouds."),
            ],
            requests[1].Messages);
    }

    [Fact]
    public async Task A429IsRetriedAfterItsRetryAfterAndAnsweredOnce()
    {
        var (user, assistantId, key) = await StartAsync();
        Model.Script(key, FakeStep.Status(HttpStatusCode.TooManyRequests, retryAfterSeconds: 1), FakeStep.Reply("Worth the wait."));
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var question = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Are you busy?" });
        var reply = await ReplyToAsync(inbox, (string)question["id"]!);

        Assert.Equal("Worth the wait.", reply.GetProperty("content").GetString());
        var requests = Model.RequestsMentioning(key);
        Assert.Equal(2, requests.Count);
        // The backoff alone would be about 100 ms: a gap of a second is the Retry-After being honoured.
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {requests[1].ReceivedAt - requests[0].ReceivedAt}");
        var fromAssistant = (await HistoryAsync(user, assistantId)).Where(m => (string)m!["senderId"]! == assistantId).ToList();
        Assert.Single(fromAssistant);
    }

    [Fact]
    public async Task ServerErrorsOnEveryAttemptEndInAShortApology()
    {
        var (user, assistantId, key) = await StartAsync();
        Model.Script(key, [.. Enumerable.Repeat(FakeStep.Status(HttpStatusCode.InternalServerError), AssistantHostFixture.MaxAttempts)]);
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var question = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Anyone there?" });
        var reply = await ReplyToAsync(inbox, (string)question["id"]!);

        Assert.Equal(ApologyReply, reply.GetProperty("content").GetString());
        Assert.Equal(AssistantHostFixture.MaxAttempts, Model.RequestsMentioning(key).Count);
        var history = await HistoryAsync(user, assistantId);
        Assert.Contains(history, m => (string)m!["id"]! == (string)question["id"]! && (string)m["content"]! == $"[{key}] Anyone there?");
    }

    [Fact]
    public async Task AHangingRequestTimesOutAndIsRetried()
    {
        var (user, assistantId, key) = await StartAsync();
        Model.Script(key, FakeStep.Hang, FakeStep.Reply("Sorry, I dozed off."));
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var question = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Hello?" });
        var reply = await ReplyToAsync(inbox, (string)question["id"]!);

        Assert.Equal("Sorry, I dozed off.", reply.GetProperty("content").GetString());
        var requests = Model.RequestsMentioning(key);
        Assert.Equal(2, requests.Count);
        // The host gave up on the first request (the fake saw it aborted, not answered) and only then sent the
        // second. The fake notes a request once its body has arrived, which on a busy machine can be a good part
        // of the host's 2 s timeout after the attempt began: the wait it saw is bounded loosely.
        var firstEnded = await requests[0].Ended.Task.WaitAsync(ReplyTimeout);
        Assert.True(requests[1].ReceivedAt >= firstEnded, $"retried at {requests[1].ReceivedAt:O}, before the first attempt ended at {firstEnded:O}");
        Assert.True(firstEnded - requests[0].ReceivedAt >= TimeSpan.FromSeconds(1), $"gave up after {firstEnded - requests[0].ReceivedAt}");
    }

    [Fact]
    public async Task TheSendAnswers201AtOnceWhileTheModelHangsAndAHangOnEveryAttemptEndsInAnApology()
    {
        var (user, assistantId, key) = await StartAsync();
        Model.Script(key, [.. Enumerable.Repeat(FakeStep.Hang, AssistantHostFixture.MaxAttempts)]);
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var response = await user.PostAsync("api/messages", new { receiverId = assistantId, content = $"[{key}] Take your time." });
        var answeredAt = DateTimeOffset.UtcNow;
        var question = await ChatApiClient.ReadAsync(response, HttpStatusCode.Created);

        var reply = await ReplyToAsync(inbox, (string)question["id"]!);
        var requests = Model.RequestsMentioning(key);
        Assert.True(answeredAt < await requests[0].Ended.Task, "the send waited for the model");
        Assert.Equal(ApologyReply, reply.GetProperty("content").GetString());
        Assert.Equal(AssistantHostFixture.MaxAttempts, requests.Count);
    }

    [Fact]
    public async Task TheReplyFollowsTheContentRulesOfAnyMessage()
    {
        var (user, assistantId, key) = await StartAsync();
        Model.Script(key, FakeStep.Reply("  \u0007Cafe\u0301\r\nline\ttwo\u0000 " + new string('x', 5000)));
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        var question = await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Say something long." });
        var reply = await ReplyToAsync(inbox, (string)question["id"]!);

        var content = reply.GetProperty("content").GetString()!;
        Assert.Equal(4000, content.Length);
        Assert.StartsWith("Caf\u00e9\nline\ttwo x", content, StringComparison.Ordinal);
        Assert.DoesNotContain(content, c => char.IsControl(c) && c is not '\n' and not '\t');
    }

    [Fact]
    public async Task OverThePerUserLimitTheAssistantSaysSoWithoutAskingTheModel()
    {
        var (user, assistantId, key) = await StartAsync();
        await using var inbox = await RealtimeInbox.ConnectAsync(Host, user);

        // Twice the limit and one more within a few seconds: even if a minute boundary falls in between, one of
        // the two windows sees more than the limit.
        var count = (2 * AssistantHostFixture.PerUserRequestsPerMinute) + 1;
        var questions = new List<string>();
        for (var i = 0; i < count; i++)
        {
            questions.Add((string)(await user.SendMessageAsync(new { receiverId = assistantId, content = $"[{key}] Question {i}" }))["id"]!);
        }

        var replies = new List<string>();
        foreach (var id in questions)
        {
            replies.Add((await ReplyToAsync(inbox, id)).GetProperty("content").GetString()!);
        }

        var refused = replies.Count(r => r == TooManyRequestsReply);
        Assert.InRange(refused, 1, count - AssistantHostFixture.PerUserRequestsPerMinute);
        Assert.Equal(count - refused, Model.RequestsMentioning(key).Count);
    }

    [Fact]
    public async Task TheAssistantIsEnabledAndItsAccountCannotLogIn()
    {
        var (user, assistantId, _) = await StartAsync();

        var found = await ChatApiClient.ReadAsync(await user.GetAsync("api/users?search=assistant"), HttpStatusCode.OK);
        Assert.Contains(found["items"]!.AsArray(), u => (string)u!["id"]! == assistantId && (string)u["username"]! == "assistant");

        foreach (var password in new[] { "!", "", "correct horse battery" })
        {
            var login = await Host.Client.PostAsJsonAsync("api/auth/login", new { username = "assistant", password });
            await ChatApiClient.ReadProblemAsync(login, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task GetAssistantNeedsAToken()
    {
        var response = await Host.Client.GetAsync("api/assistant");
        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    private async Task<(ChatApiClient User, string AssistantId, string Key)> StartAsync()
    {
        var user = await ChatApiClient.RegisterAsync(Host.Client, "ai");
        var assistant = await ChatApiClient.ReadAsync(await user.GetAsync("api/assistant"), HttpStatusCode.OK);
        Assert.True((bool)assistant["enabled"]!);
        var assistantId = (string?)assistant["userId"];
        Assert.False(string.IsNullOrEmpty(assistantId));
        return (user, assistantId, $"k{Guid.NewGuid():N}"[..13]);
    }

    private static Task<JsonElement> ReplyToAsync(RealtimeInbox inbox, string questionId) =>
        inbox.WaitForAsync("newMessage", m => m.GetProperty("clientMessageId").GetString() == $"assistant-reply:{questionId}", ReplyTimeout);

    private static async Task<JsonArray> HistoryAsync(ChatApiClient user, string peerId)
    {
        var page = await ChatApiClient.ReadAsync(await user.GetAsync($"api/messages?with={peerId}"), HttpStatusCode.OK);
        return page["items"]!.AsArray();
    }
}
