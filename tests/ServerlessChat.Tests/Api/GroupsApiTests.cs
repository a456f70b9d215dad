using System.Net;
using System.Text.Json.Nodes;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Api;

[Collection(SharedHostCollection.Name)]
public sealed class GroupsApiTests(SharedHostFixture fixture)
{
    private readonly HttpClient _http = fixture.Host.Client;

    [Fact]
    public async Task CreatingAGroupAnswersCreatedWithTheCreatorAsMemberAndAdmin()
    {
        var (alice, bob) = await PairAsync();

        var group = await alice.CreateGroupAsync("  Book club  ", bob.UserId, bob.UserId);

        Assert.Matches("^[0-9a-f]{24}$", (string)group["id"]!);
        Assert.Equal("Book club", (string)group["name"]!);
        Assert.Equivalent(new[] { alice.UserId, bob.UserId }, Ids(group["members"]), strict: true);
        Assert.Equal(new[] { alice.UserId }, Ids(group["admins"]));
        Assert.Equal(alice.UserId, (string)group["createdBy"]!);
        Assert.NotNull(group["createdAt"]);
        Assert.NotNull(group["updatedAt"]);
    }

    [Fact]
    public async Task CreatingAGroupWithoutMembersMakesAGroupOfOne()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "solo");

        var group = await ChatApiClient.ReadAsync(await alice.PostAsync("api/groups", new { name = "just me" }), HttpStatusCode.Created);

        Assert.Equal(new[] { alice.UserId }, Ids(group["members"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\u0001")]
    [InlineData(null)]
    public async Task CreatingAGroupRefusesABadName(string? name)
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "name");

        var response = await alice.PostAsync("api/groups", new { name });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["name"]);
    }

    [Fact]
    public async Task AGroupNameMayHave64CharactersButNot65()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "name");

        var longest = await alice.PostAsync("api/groups", new { name = new string('n', 64) });
        var tooLong = await alice.PostAsync("api/groups", new { name = new string('n', 65) });

        await ChatApiClient.ReadAsync(longest, HttpStatusCode.Created);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(tooLong, HttpStatusCode.BadRequest))["errors"]!["name"]);
    }

    [Fact]
    public async Task CreatingAGroupWithUnknownOrMalformedMemberIdsAnswersBadRequest()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "unk");

        var unknown = await alice.PostAsync("api/groups", new { name = "g", memberIds = new[] { MessagesApiTests.UnknownId() } });
        var malformed = await alice.PostAsync("api/groups", new { name = "g", memberIds = new[] { "{\"$gt\":\"\"}" } });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(unknown, HttpStatusCode.BadRequest))["errors"]!["memberIds"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(malformed, HttpStatusCode.BadRequest))["errors"]!["memberIds"]);
        Assert.Empty(await ListAsync(alice));
    }

    [Fact]
    public async Task CreatingAGroupOfMoreThan256MembersAnswersBadRequest()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "big");
        var memberIds = Enumerable.Range(0, 256).Select(_ => MessagesApiTests.UnknownId()).ToArray();

        var response = await alice.PostAsync("api/groups", new { name = "crowd", memberIds });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["memberIds"]);
    }

    [Fact]
    public async Task ListingGroupsShowsOnlyTheCallersGroups()
    {
        var (alice, bob) = await PairAsync();
        var shared = (string)(await alice.CreateGroupAsync("shared", bob.UserId))["id"]!;
        await alice.CreateGroupAsync("alice only");

        var bobs = await ListAsync(bob);

        Assert.Equal(shared, (string)Assert.Single(bobs)["id"]!);
        Assert.Equal(2, (await ListAsync(alice)).Count);
    }

    [Fact]
    public async Task GettingAGroupAnswersItForMembersAndNotFoundForOthers()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var forMember = await ChatApiClient.ReadAsync(await bob.GetAsync($"api/groups/{id}"), HttpStatusCode.OK);

        Assert.Equal(id, (string)forMember["id"]!);
        await ChatApiClient.ReadProblemAsync(await eve.GetAsync($"api/groups/{id}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await eve.GetAsync($"api/groups/{MessagesApiTests.UnknownId()}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await eve.GetAsync("api/groups/not-an-id"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnAdminAddsAndRemovesMembersAndTheChangeIsVisibleAtOnce()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;
        await ChatApiClient.ReadProblemAsync(await carol.GetAsync($"api/groups/{id}"), HttpStatusCode.NotFound);

        var added = await ChatApiClient.ReadAsync(await alice.PutAsync($"api/groups/{id}/members", new { add = new[] { carol.UserId } }), HttpStatusCode.OK);
        Assert.Contains(carol.UserId, Ids(added["members"]));
        await ChatApiClient.ReadAsync(await carol.GetAsync($"api/groups/{id}"), HttpStatusCode.OK);
        await carol.SendMessageAsync(new { groupId = id, content = "thanks for adding me" });

        var removed = await ChatApiClient.ReadAsync(await alice.PutAsync($"api/groups/{id}/members", new { remove = new[] { bob.UserId } }), HttpStatusCode.OK);
        Assert.DoesNotContain(bob.UserId, Ids(removed["members"]));
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync($"api/groups/{id}"), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await bob.PostAsync("api/messages", new { groupId = id, content = "still here?" }), HttpStatusCode.NotFound);
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync($"api/messages?groupId={id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ANonAdminCannotAddOrRemoveOthers()
    {
        var (alice, bob) = await PairAsync();
        var carol = await ChatApiClient.RegisterAsync(_http, "carol");
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var add = await bob.PutAsync($"api/groups/{id}/members", new { add = new[] { carol.UserId } });
        var remove = await bob.PutAsync($"api/groups/{id}/members", new { remove = new[] { alice.UserId } });

        await ChatApiClient.ReadProblemAsync(add, HttpStatusCode.Forbidden);
        await ChatApiClient.ReadProblemAsync(remove, HttpStatusCode.Forbidden);
        var group = await ChatApiClient.ReadAsync(await alice.GetAsync($"api/groups/{id}"), HttpStatusCode.OK);
        Assert.Equivalent(new[] { alice.UserId, bob.UserId }, Ids(group["members"]), strict: true);
    }

    [Fact]
    public async Task AMemberMayLeave()
    {
        var (alice, bob) = await PairAsync();
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var left = await ChatApiClient.ReadAsync(await bob.PutAsync($"api/groups/{id}/members", new { remove = new[] { bob.UserId } }), HttpStatusCode.OK);

        Assert.Equal(new[] { alice.UserId }, Ids(left["members"]));
        Assert.Empty(await ListAsync(bob));
        await ChatApiClient.ReadProblemAsync(await bob.GetAsync($"api/groups/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ChangingMembersOfAGroupOneIsNotInAnswersNotFound()
    {
        var (alice, bob) = await PairAsync();
        var eve = await ChatApiClient.RegisterAsync(_http, "eve");
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var response = await eve.PutAsync($"api/groups/{id}/members", new { add = new[] { eve.UserId } });

        await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.NotFound);
        Assert.DoesNotContain(eve.UserId, Ids((await ChatApiClient.ReadAsync(await alice.GetAsync($"api/groups/{id}"), HttpStatusCode.OK))["members"]));
    }

    [Fact]
    public async Task AddingUnknownUserIdsAnswersBadRequest()
    {
        var (alice, bob) = await PairAsync();
        var id = (string)(await alice.CreateGroupAsync("g", bob.UserId))["id"]!;

        var unknown = await alice.PutAsync($"api/groups/{id}/members", new { add = new[] { MessagesApiTests.UnknownId() } });
        var malformed = await alice.PutAsync($"api/groups/{id}/members", new { remove = new[] { "nope" } });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(unknown, HttpStatusCode.BadRequest))["errors"]!["add"]);
        Assert.NotNull((await ChatApiClient.ReadProblemAsync(malformed, HttpStatusCode.BadRequest))["errors"]!["remove"]);
    }

    [Fact]
    public async Task GrowingAGroupBeyond256MembersAnswersBadRequest()
    {
        var alice = await ChatApiClient.RegisterAsync(_http, "full");
        var id = (string)(await alice.CreateGroupAsync("g"))["id"]!;

        var response = await alice.PutAsync($"api/groups/{id}/members", new { add = Enumerable.Range(0, 257).Select(_ => MessagesApiTests.UnknownId()).ToArray() });

        Assert.NotNull((await ChatApiClient.ReadProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["add"]);
    }

    [Fact]
    public async Task GroupRoutesNeedAToken()
    {
        await ChatApiClient.ReadProblemAsync(await _http.GetAsync("api/groups"), HttpStatusCode.Unauthorized);
        await ChatApiClient.ReadProblemAsync(await ChatApiClient.PostRawAsync(_http, "api/groups", """{"name":"x"}"""), HttpStatusCode.Unauthorized);
    }

    private static List<string> Ids(JsonNode? array) => array!.AsArray().Select(i => (string)i!).ToList();

    private async Task<(ChatApiClient, ChatApiClient)> PairAsync() =>
        (await ChatApiClient.RegisterAsync(_http, "alice"), await ChatApiClient.RegisterAsync(_http, "bob"));

    private static async Task<List<JsonNode>> ListAsync(ChatApiClient caller) =>
        (await ChatApiClient.ReadAsync(await caller.GetAsync("api/groups"), HttpStatusCode.OK))["items"]!.AsArray().Select(g => g!).ToList();
}
