using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class MessagesApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task SendingADirectMessageAnswersCreatedWithTheStoredMessage()
    {
        var (alice, bob) = await PairAsync();

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "hello bob", clientMessageId = "c-1" });

        Assert.Matches("^[0-9a-f]{24}$", (string)message["id"]!);
        Assert.False(string.IsNullOrEmpty((string?)message["conversationId"]));
        Assert.Equal(alice.UserId, (string)message["senderId"]!);
        Assert.Equal(bob.UserId, (string)message["receiverId"]!);
        Assert.Null((string?)message["groupId"]);
        Assert.Equal("hello bob", (string)message["content"]!);
        Assert.NotNull(message["createdAt"]);
        Assert.Null((string?)message["editedAt"]);
        Assert.False((bool)message["deleted"]!);
        Assert.False((bool)message["isRead"]!);
        Assert.Equal("c-1", (string)message["clientMessageId"]!);

        var bobsView = await HistoryAsync(bob, $"with={alice.UserId}");
        Assert.Equal((string)message["id"]!, (string)Assert.Single(bobsView)["id"]!);
    }

    [Fact]
    public async Task BothSidesOfADirectConversationShareOneConversationId()
    {
        var (alice, bob) = await PairAsync();

        var first = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "one" });
        var reply = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "two" });

        Assert.Equal((string)first["conversationId"]!, (string)reply["conversationId"]!);
        Assert.Equal(2, (await HistoryAsync(alice, $"with={bob.UserId}")).Count);
    }

    [Fact]
    public async Task SendingToAGroupAnswersCreatedAndEveryMemberSeesIt()
    {
        var (alice, bob) = await PairAsync();
        var groupId = (string)(await alice.CreateGroupAsync("team", bob.UserId))["id"]!;

        var message = await alice.SendMessageAsync(new { groupId, content = "hi team" });

        Assert.Equal(groupId, (string)message["groupId"]!);
        Assert.Null((string?)message["receiverId"]);
        Assert.Equal((string)message["id"]!, (string)Assert.Single(await HistoryAsync(bob, $"groupId={groupId}"))["id"]!);
    }

    [Fact]
    public async Task RepeatingAClientMessageIdAnswersOkWithTheStoredMessageAndStoresNothingNew()
    {
        var (alice, bob) = await PairAsync();
        var first = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "only once", clientMessageId = "retry-42" });

        var repeat = await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = "only once", clientMessageId = "retry-42" });

        var stored = await ChatApiClient.ReadAsync(repeat, HttpStatusCode.OK);
        Assert.Equal((string)first["id"]!, (string)stored["id"]!);
        Assert.Equal("only once", (string)stored["content"]!);
        Assert.Equal((string)first["createdAt"]!, (string)stored["createdAt"]!);
        Assert.Single(await HistoryAsync(alice, $"with={bob.UserId}"));
    }

    [Fact]
    public async Task AClientMessageIdIsScopedToItsSender()
    {
        var (alice, bob) = await PairAsync();

        var fromAlice = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "a", clientMessageId = "same" });
        var fromBob = await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "b", clientMessageId = "same" });

        Assert.NotEqual((string)fromAlice["id"]!, (string)fromBob["id"]!);
        Assert.Equal(2, (await HistoryAsync(alice, $"with={bob.UserId}")).Count);
    }

    [Fact]
    public async Task AUserCannotMessageItself()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "self");

        var response = await alice.PostAsync("api/messages", new { receiverId = alice.UserId, content = "note to self" });

        var problem = await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["receiverId"]);
    }

    [Fact]
    public async Task ASendNeedsExactlyOneOfReceiverIdAndGroupId()
    {
        var (alice, bob) = await PairAsync();
        var groupId = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var both = await alice.PostAsync("api/messages", new { receiverId = bob.UserId, groupId, content = "x" });
        var neither = await alice.PostAsync("api/messages", new { content = "x" });

        await ChatApiClient.ReadProblemAsync(both, HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(neither, HttpStatusCode.BadRequest);
        Assert.Empty(await HistoryAsync(alice, $"groupId={groupId}"));
    }

    [Fact]
    public async Task SendingToAGroupOfWhichOneIsNoMemberAnswersNotFound()
    {
        var (alice, bob) = await PairAsync();
        var outsider = await ChatApiClient.RegisterAsync(_http, "out");
        var groupId = (string)(await alice.CreateGroupAsync("private", bob.UserId))["id"]!;

        var response = await outsider.PostAsync("api/messages", new { groupId, content = "let me in" });

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Empty(await HistoryAsync(alice, $"groupId={groupId}"));
    }

    [Fact]
    public async Task SendingToAnUnknownReceiverOrGroupAnswersNotFound()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "lost");

        var user = await alice.PostAsync("api/messages", new { receiverId = UnknownId(), content = "anyone?" });
        var group = await alice.PostAsync("api/messages", new { groupId = UnknownId(), content = "anyone?" });

        await ChatApiClient.ReadProblemAsync(user, HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(group, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AReceiverIdThatIsNoIdAnswersBadRequest()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "badid");

        var response = await alice.PostAsync("api/messages", new { receiverId = "' OR 1=1 --", content = "x" });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["receiverId"]);
    }

    [Theory]
    [InlineData("  padded  \n", "padded")]
    [InlineData("line one\nline two\tand a tab", "line one\nline two\tand a tab")]
    [InlineData("<script>alert('x')</script> & \"quotes\"", "<script>alert('x')</script> & \"quotes\"")]
    [InlineData("Cafe\u0301", "Caf\u00e9")]
    [InlineData("emoji 👋🏽", "emoji 👋🏽")]
    public async Task ContentIsTrimmedNormalizedToNfcAndOtherwiseKeptVerbatim(string sent, string stored)
    {
        var (alice, bob) = await PairAsync();

        var message = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = sent });

        Assert.Equal(stored, (string)message["content"]!);
        Assert.Equal(stored, (string)Assert.Single(await HistoryAsync(bob, $"with={alice.UserId}"))["content"]!);
    }

    [Fact]
    public async Task ContentOf4000CharactersIsAcceptedAnd4001Refused()
    {
        var (alice, bob) = await PairAsync();

        var longest = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = " " + new string('a', 4000) + " " });
        var tooLong = await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content = new string('a', 4001) });

        Assert.Equal(4000, ((string)longest["content"]!).Length);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(tooLong, HttpStatusCode.BadRequest))["errors"]!["content"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    [InlineData("bell\u0007")]
    [InlineData("null\u0000byte")]
    [InlineData("escape\u001b[31m")]
    [InlineData("delete\u007f")]
    [InlineData("c1\u0085control")]
    public async Task EmptyContentAndControlCharactersOtherThanNewlineAndTabAreRefused(string content)
    {
        var (alice, bob) = await PairAsync();

        var response = await alice.PostAsync("api/messages", new { receiverId = bob.UserId, content });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["content"]);
        Assert.Empty(await HistoryAsync(alice, $"with={bob.UserId}"));
    }

    [Fact]
    public async Task HistoryPagesNewestFirstAndTheBeforeCursorWalksTheWholeConversation()
    {
        var (alice, bob) = await PairAsync();
        var sent = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var sender = i % 2 == 0 ? alice : bob;
            var receiver = i % 2 == 0 ? bob : alice;
            sent.Add((string)(await sender.SendMessageAsync(new { receiverId = receiver.UserId, content = $"m{i}" }))["id"]!);
        }

        var walked = new List<string>();
        string? before = null;
        var pages = 0;
        do
        {
            var query = $"api/messages?with={bob.UserId}&limit=3" + (before is null ? "" : $"&before={before}");
            var page = await ChatApiClient.ReadAsync(await alice.GetAsync(query), HttpStatusCode.OK);
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 1, 3);
            walked.AddRange(items.Select(m => (string)m!["id"]!));
            before = (string?)page["nextBefore"];
            pages++;
        }
        while (before is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Null(before);
        sent.Reverse();
        Assert.Equal(sent, walked);
    }

    [Fact]
    public async Task HistoryEndsWithNextBeforeNullWhenAPageIsExactlyFull()
    {
        var (alice, bob) = await PairAsync();
        for (var i = 0; i < 2; i++)
        {
            await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"m{i}" });
        }

        var page = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/messages?with={bob.UserId}&limit=2"), HttpStatusCode.OK);

        Assert.Equal(2, page["items"]!.AsArray().Count);
        Assert.Null((string?)page["nextBefore"]);
    }

    [Theory]
    [InlineData("&limit=0", "limit")]
    [InlineData("&limit=101", "limit")]
    [InlineData("&limit=abc", "limit")]
    [InlineData("&before=nope", "before")]
    public async Task HistoryRefusesALimitOutside1To100AndABadCursor(string extra, string field)
    {
        var (alice, bob) = await PairAsync();

        var response = await alice.GetAsync($"api/messages?with={bob.UserId}{extra}");

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]![field]);
    }

    [Fact]
    public async Task HistoryAcceptsTheLargestLimit()
    {
        var (alice, bob) = await PairAsync();
        await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "x" });

        Assert.Single(await HistoryAsync(alice, $"with={bob.UserId}&limit=100"));
    }

    [Fact]
    public async Task HistoryNeedsExactlyOneOfWithAndGroupId()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "h");

        await ChatApiClient.ReadProblemAsync(await alice.GetAsync("api/messages"), HttpStatusCode.BadRequest);
        await ChatApiClient.ReadProblemAsync(await alice.GetAsync($"api/messages?with={UnknownId()}&groupId={UnknownId()}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AThirdUserAskingForAnotherUsersConversationSeesOnlyItsOwnEmptyConversation()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var secret = await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "secret" });

        var withAlice = await HistoryAsync(eve, $"with={alice.UserId}");
        var withBob = await HistoryAsync(eve, $"with={bob.UserId}");
        var withAliceBeforeNow = await HistoryAsync(eve, $"with={alice.UserId}&before=ffffffffffffffffffffffff");

        Assert.Empty(withAlice);
        Assert.Empty(withBob);
        Assert.Empty(withAliceBeforeNow);
        await ChatApiClient.ReadProblemAsync(await eve.GetAsync($"api/messages?groupId={UnknownId()}"), HttpStatusCode.NotFound);
        Assert.Equal((string)secret["id"]!, (string)Assert.Single(await HistoryAsync(bob, $"with={alice.UserId}"))["id"]!);
    }

    [Fact]
    public async Task HistoryOfAGroupIsNotFoundForANonMember()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var groupId = (string)(await alice.CreateGroupAsync("closed", bob.UserId))["id"]!;
        await alice.SendMessageAsync(new { groupId, content = "members only" });

        var response = await eve.GetAsync($"api/messages?groupId={groupId}");

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheSenderCanEditAMessageAndGetsEditedAt()
    {
        var (alice, bob) = await PairAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "tpyo" }))["id"]!;

        var edited = await ChatApiClient.ReadAsync(await alice.PatchAsync($"api/messages/{id}", new { content = " typo " }), HttpStatusCode.OK);

        Assert.Equal(id, (string)edited["id"]!);
        Assert.Equal("typo", (string)edited["content"]!);
        Assert.NotNull((string?)edited["editedAt"]);
        var seen = Assert.Single(await HistoryAsync(bob, $"with={alice.UserId}"));
        Assert.Equal("typo", (string)seen["content"]!);
        Assert.NotNull((string?)seen["editedAt"]);
    }

    [Fact]
    public async Task EditingIsForbiddenToTheReceiverAndNotFoundForOthers()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "mine" }))["id"]!;

        var byReceiver = await bob.PatchAsync($"api/messages/{id}", new { content = "yours now" });
        var byStranger = await eve.PatchAsync($"api/messages/{id}", new { content = "yours now" });
        var unknown = await alice.PatchAsync($"api/messages/{UnknownId()}", new { content = "x" });
        var notAnId = await alice.PatchAsync("api/messages/not-an-id", new { content = "x" });

        await ChatApiClient.ReadProblemAsync(byReceiver, HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(byStranger, HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(unknown, HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(notAnId, HttpStatusCode.NotFound);
        Assert.Equal("mine", (string)Assert.Single(await HistoryAsync(alice, $"with={bob.UserId}"))["content"]!);
    }

    [Fact]
    public async Task EditingAGroupMessageIsForbiddenToOtherMembers()
    {
        var (alice, bob) = await PairAsync();
        var groupId = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;
        var id = (string)(await alice.SendMessageAsync(new { groupId, content = "mine" }))["id"]!;

        await ChatApiClient.ReadProblemAsync(await bob.PatchAsync($"api/messages/{id}", new { content = "x" }), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{id}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task EditedContentFollowsTheContentRules()
    {
        var (alice, bob) = await PairAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "ok" }))["id"]!;

        var response = await alice.PatchAsync($"api/messages/{id}", new { content = "\u0007" });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["content"]);
    }

    [Fact]
    public async Task DeletingAnswersNoContentAndLeavesTheMessageDeletedWithEmptyContent()
    {
        var (alice, bob) = await PairAsync();
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "oops" }))["id"]!;

        var response = await alice.DeleteAsync($"api/messages/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var seen = Assert.Single(await HistoryAsync(bob, $"with={alice.UserId}"));
        Assert.Equal(id, (string)seen["id"]!);
        Assert.True((bool)seen["deleted"]!);
        Assert.Equal("", (string)seen["content"]!);
    }

    [Fact]
    public async Task DeletingIsForbiddenToTheReceiverAndNotFoundForOthers()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var id = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "keep" }))["id"]!;

        await ChatApiClient.ReadProblemAsync(await bob.DeleteAsync($"api/messages/{id}"), HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(await eve.DeleteAsync($"api/messages/{id}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await alice.DeleteAsync($"api/messages/{UnknownId()}"), HttpStatusCode.NotFound);
        Assert.False((bool)Assert.Single(await HistoryAsync(alice, $"with={bob.UserId}"))["deleted"]!);
    }

    [Fact]
    public async Task MarkingReadCountsTheRestAsUnreadAndFlipsIsReadInTheSendersView()
    {
        var (alice, bob) = await PairAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = $"m{i}" }))["id"]!);
        }

        var state = await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = ids[1] }), HttpStatusCode.OK);

        Assert.Equal(ids[1], (string)state["upTo"]!);
        Assert.Equal(1, (long)state["unread"]!);
        Assert.False(string.IsNullOrEmpty((string?)state["conversationId"]));
        var sendersView = (await HistoryAsync(alice, $"with={bob.UserId}")).ToDictionary(m => (string)m["id"]!, m => (bool)m["isRead"]!);
        Assert.True(sendersView[ids[0]]);
        Assert.True(sendersView[ids[1]]);
        Assert.False(sendersView[ids[2]]);
    }

    [Fact]
    public async Task TheReadMarkerNeverMovesBackwards()
    {
        var (alice, bob) = await PairAsync();
        var first = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "a" }))["id"]!;
        var second = (string)(await alice.SendMessageAsync(new { receiverId = bob.UserId, content = "b" }))["id"]!;
        await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = second });

        var state = await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = first }), HttpStatusCode.OK);

        Assert.Equal(second, (string)state["upTo"]!);
        Assert.Equal(0, (long)state["unread"]!);
    }

    [Fact]
    public async Task MarkingReadUpToAMessageOfAnotherConversationAnswersNotFound()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var elsewhere = (string)(await alice.SendMessageAsync(new { receiverId = carol.UserId, content = "private" }))["id"]!;

        var response = await bob.PostAsync("api/messages/read", new { with = alice.UserId, upTo = elsewhere });

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task MarkingReadValidatesItsBody()
    {
        var (alice, bob) = await PairAsync();

        var noUpTo = await bob.PostAsync("api/messages/read", new { with = alice.UserId });
        var neither = await bob.PostAsync("api/messages/read", new { upTo = UnknownId() });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(noUpTo, HttpStatusCode.BadRequest))["errors"]!["upTo"]);
        await ChatApiClient.ReadProblemAsync(neither, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AGroupMessageIsReadOnlyOnceEveryOtherMemberReadIt()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var groupId = (string)(await alice.CreateGroupAsync("trio", bob.UserId, carol.UserId))["id"]!;
        var id = (string)(await alice.SendMessageAsync(new { groupId, content = "hello both" }))["id"]!;

        var bobRead = await ChatApiClient.ReadAsync(await bob.PostAsync("api/messages/read", new { groupId, upTo = id }), HttpStatusCode.OK);
        Assert.Equal(0, (long)bobRead["unread"]!);
        Assert.False((bool)Assert.Single(await HistoryAsync(alice, $"groupId={groupId}"))["isRead"]!);

        await ChatApiClient.ReadAsync(await carol.PostAsync("api/messages/read", new { groupId, upTo = id }), HttpStatusCode.OK);
        Assert.True((bool)Assert.Single(await HistoryAsync(alice, $"groupId={groupId}"))["isRead"]!);
    }

    [Fact]
    public async Task ConversationsListLatestActivityFirstWithPeerGroupLastMessageAndUnread()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var groupId = (string)(await bob.CreateGroupAsync("club", alice.UserId))["id"]!;

        await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "from bob 1" });
        var lastFromBob = (string)(await bob.SendMessageAsync(new { receiverId = alice.UserId, content = "from bob 2" }))["id"]!;
        var groupMessage = (string)(await bob.SendMessageAsync(new { groupId, content = "club news" }))["id"]!;
        var toCarol = (string)(await alice.SendMessageAsync(new { receiverId = carol.UserId, content = "hi carol" }))["id"]!;

        var items = (await ChatApiClient.ReadAsync(await alice.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray();

        Assert.Equal(3, items.Count);
        var (withCarol, club, withBob) = (items[0]!, items[1]!, items[2]!);

        Assert.Equal("direct", (string)withCarol["type"]!);
        Assert.Equal(carol.UserId, (string)withCarol["peer"]!["id"]!);
        Assert.Null(withCarol["peer"]!["email"]);
        Assert.Null(withCarol["group"]);
        Assert.Equal(toCarol, (string)withCarol["lastMessage"]!["id"]!);
        Assert.Equal(0, (long)withCarol["unread"]!);

        Assert.Equal("group", (string)club["type"]!);
        Assert.Equal(groupId, (string)club["group"]!["id"]!);
        Assert.Null(club["peer"]);
        Assert.Equal(groupMessage, (string)club["lastMessage"]!["id"]!);
        Assert.Equal(1, (long)club["unread"]!);

        Assert.Equal("direct", (string)withBob["type"]!);
        Assert.Equal(bob.UserId, (string)withBob["peer"]!["id"]!);
        Assert.Equal(lastFromBob, (string)withBob["lastMessage"]!["id"]!);
        Assert.Equal(2, (long)withBob["unread"]!);
        Assert.True(DateTimeOffset.Parse((string)withCarol["updatedAt"]!) >= DateTimeOffset.Parse((string)withBob["updatedAt"]!));

        await alice.PostAsync("api/messages/read", new { with = bob.UserId, upTo = lastFromBob });
        var after = (await ChatApiClient.ReadAsync(await alice.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray();
        Assert.Equal(0, (long)after.Single(c => (string?)c!["peer"]?["id"] == bob.UserId)!["unread"]!);
        var carols = Assert.Single((await ChatApiClient.ReadAsync(await carol.GetAsync("api/conversations"), HttpStatusCode.OK))["items"]!.AsArray())!;
        Assert.Equal(alice.UserId, (string)carols["peer"]!["id"]!);
        Assert.Equal(1, (long)carols["unread"]!);
    }

    [Fact]
    public async Task MessagesRoutesNeedAToken()
    {
        var id = UnknownId();
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync($"api/messages?with={id}"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync("api/conversations"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await _http.DeleteAsync($"api/messages/{id}"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await ChatApiClient.PostRawAsync(_http, "api/messages", $$"""{"receiverId":"{{id}}","content":"x"}"""), HttpStatusCode.Unauthorized);
    }

    /// <summary>An id in the right format that no store holds.</summary>
    public static string UnknownId() => Guid.NewGuid().ToString("N")[..24];

    private async Task<(ChatApiClient, ChatApiClient)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));

    private static async Task<List<JsonNode>> HistoryAsync(ChatApiClient caller, string query)
    {
        var page = await ChatApiClient.ReadAsync(await caller.GetAsync($"api/messages?{query}"), HttpStatusCode.OK);
        // The messages users wrote: a group's system messages (created, ...) are SystemMessagesApiTests' concern.
        return page["items"]!.AsArray().Select(m => m!).Where(m => m["system"] is null).ToList();
    }
}
