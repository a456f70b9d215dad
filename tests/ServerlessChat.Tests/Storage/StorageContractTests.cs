using MongoDB.Bson;
using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

/// <summary>
/// What every storage adapter promises. Each adapter's test class inherits these tests unchanged, so SQLite and
/// MongoDB are held to the same behaviour.
/// </summary>
public abstract partial class StorageContractTests(StorageFixture fixture)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    protected StorageFixture Fixture { get; } = fixture;

    /// <summary>True when the store is unavailable here; each test then returns at once (the fixture says why, once).</summary>
    protected bool Skipped => !Fixture.Enabled;

    private StorageTestHost Store => Fixture.Host;

    protected static string NewId() => ObjectId.GenerateNewId().ToString();

    /// <summary>Now, to the millisecond: both stores keep milliseconds, so this is what they give back.</summary>
    protected static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    protected static string Unique(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 12)];

    protected static UserRecord NewUser(string? username = null, string? email = null, string? displayName = null)
    {
        var name = username ?? Unique("user");
        var now = Now();
        return new UserRecord(NewId(), name, email ?? $"{name}@example.test", displayName ?? name, "$2b$10$hash", now, now);
    }

    private static MessageRecord DirectMessage(string from, string to, string content = "hi", string? clientMessageId = null, DateTimeOffset? at = null) =>
        new(NewId(), ConversationIds.Direct(from, to), from, to, null, content, at ?? Now(), null, false, clientMessageId);

    private static MessageRecord GroupMessage(string groupId, string from, string content = "hi all") =>
        new(NewId(), ConversationIds.Group(groupId), from, null, groupId, content, Now(), null, false, null);

    private async Task<UserRecord> CreateUserAsync(string? username = null, string? email = null, string? displayName = null)
    {
        var user = NewUser(username, email, displayName);
        Assert.Equal(CreateUserOutcome.Created, await Store.Users.CreateAsync(user, default));
        return user;
    }

    // Users

    [SkippableFact]
    public async Task CreatedUserIsFoundByIdIdsUsernameAndEmailIgnoringCase()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = NewUser(Unique("Alice"), displayName: "Alice Liddell") with { IsAssistant = true };
        Assert.Equal(CreateUserOutcome.Created, await Store.Users.CreateAsync(user, default));
        var other = await CreateUserAsync();

        Assert.Equal(user, await Store.Users.FindByIdAsync(user.Id, default));
        Assert.Equal(user, await Store.Users.FindByUsernameAsync(user.Username.ToUpperInvariant(), default));
        Assert.Equal(user, await Store.Users.FindByEmailAsync(user.Email.ToUpperInvariant(), default));
        var both = await Store.Users.FindByIdsAsync([user.Id, other.Id, NewId(), user.Id], default);
        Assert.Equal(new[] { user, other }.OrderBy(u => u.Id, StringComparer.Ordinal), both.OrderBy(u => u.Id, StringComparer.Ordinal));
        Assert.Null(await Store.Users.FindByUsernameAsync(Unique("nobody"), default));
        Assert.Null(await Store.Users.FindByEmailAsync($"{Unique("nobody")}@example.test", default));
    }

    [SkippableFact]
    public async Task CreatingAUserWithATakenUsernameInAnyCaseAnswersUsernameTakenAndStoresNothing()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var first = await CreateUserAsync(Unique("bob"));
        var second = NewUser(first.Username.ToUpperInvariant(), $"{Unique("other")}@example.test");

        Assert.Equal(CreateUserOutcome.UsernameTaken, await Store.Users.CreateAsync(second, default));

        Assert.Null(await Store.Users.FindByIdAsync(second.Id, default));
        Assert.Null(await Store.Users.FindByEmailAsync(second.Email, default));
        Assert.Equal(first, await Store.Users.FindByUsernameAsync(first.Username, default));
    }

    [SkippableFact]
    public async Task CreatingAUserWithATakenEmailInAnyCaseAnswersEmailTakenAndStoresNothing()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var first = await CreateUserAsync(Unique("carol"));
        var second = NewUser(Unique("dave"), first.Email.ToUpperInvariant());

        Assert.Equal(CreateUserOutcome.EmailTaken, await Store.Users.CreateAsync(second, default));

        Assert.Null(await Store.Users.FindByIdAsync(second.Id, default));
        Assert.Null(await Store.Users.FindByUsernameAsync(second.Username, default));
        Assert.Equal(first, await Store.Users.FindByEmailAsync(first.Email, default));
    }

    [SkippableFact]
    public async Task CreatingAUserWhoseUsernameAndEmailAreBothTakenAnswersUsernameTaken()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var first = await CreateUserAsync(Unique("erin"));
        var second = NewUser(first.Username.ToUpperInvariant(), first.Email.ToUpperInvariant());

        Assert.Equal(CreateUserOutcome.UsernameTaken, await Store.Users.CreateAsync(second, default));
        Assert.Null(await Store.Users.FindByIdAsync(second.Id, default));
    }

    [SkippableFact]
    public async Task ConcurrentRegistrationsOfOneUsernameCreateExactlyOneUser()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var username = Unique("race");
        var attempts = Enumerable.Range(0, 10).Select(i => NewUser(i % 2 == 0 ? username : username.ToUpperInvariant(), $"{Unique("race")}@example.test")).ToList();

        var outcomes = await Task.WhenAll(attempts.Select(u => Store.Users.CreateAsync(u, default)));

        Assert.Single(outcomes, o => o == CreateUserOutcome.Created);
        Assert.All(outcomes.Where(o => o != CreateUserOutcome.Created), o => Assert.Equal(CreateUserOutcome.UsernameTaken, o));
        var winner = attempts[Array.IndexOf(outcomes, CreateUserOutcome.Created)];
        Assert.Equal(winner, await Store.Users.FindByUsernameAsync(username, default));
    }

    [SkippableFact]
    public async Task SearchByPrefixMatchesUsernameOrDisplayNameIgnoringCaseUpToTheLimit()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var token = Unique("s");
        var byUsername = await CreateUserAsync($"{token}b", displayName: "Someone");
        var byDisplayName = await CreateUserAsync(Unique("zed"), displayName: $"{token.ToUpperInvariant()}a Display");
        var third = await CreateUserAsync($"{token}c");
        await CreateUserAsync(Unique("unrelated"));

        var all = await Store.Users.SearchByPrefixAsync(token.ToUpperInvariant(), 10, default);
        Assert.Equal(
            new[] { byUsername.Id, third.Id, byDisplayName.Id }.Order(StringComparer.Ordinal),
            all.Select(u => u.Id).Order(StringComparer.Ordinal));

        var limited = await Store.Users.SearchByPrefixAsync(token, 2, default);
        Assert.Equal(2, limited.Count);
        Assert.All(limited, u => Assert.Contains(u.Id, all.Select(a => a.Id)));

        Assert.Empty(await Store.Users.SearchByPrefixAsync(Unique("none"), 10, default));
    }

    [SkippableTheory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData(".*")]
    [InlineData("[a")]
    [InlineData("\\")]
    public async Task SearchByPrefixTakesWildcardAndRegexCharactersLiterally(string special)
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var token = Unique("w");
        var literal = await CreateUserAsync(Unique("lit"), displayName: $"{special}{token} literal");
        // Would match if the prefix were a LIKE pattern or a regex.
        await CreateUserAsync(Unique("other"), displayName: $"x{token} other");
        await CreateUserAsync(Unique("other"), displayName: $"xx{token} other");

        var exact = await Store.Users.SearchByPrefixAsync($"{special}{token}", 50, default);
        Assert.Equal([literal.Id], exact.Select(u => u.Id));

        var bare = await Store.Users.SearchByPrefixAsync(special, 50, default);
        Assert.Contains(literal.Id, bare.Select(u => u.Id));
        Assert.All(bare, u => Assert.True(
            u.DisplayName.StartsWith(special, StringComparison.OrdinalIgnoreCase) || u.Username.StartsWith(special, StringComparison.OrdinalIgnoreCase),
            $"'{u.Username}' / '{u.DisplayName}' does not start with '{special}'"));
    }

    [SkippableFact]
    public async Task SearchByPrefixTreatsADotAsADot()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var token = Unique("d");
        var dotted = await CreateUserAsync($"{token}.x");
        await CreateUserAsync($"{token}yx");

        var found = await Store.Users.SearchByPrefixAsync($"{token}.", 10, default);

        Assert.Equal([dotted.Id], found.Select(u => u.Id));
    }

    [SkippableFact]
    public async Task UpdatePasswordReplacesTheHashAndTheUpdateTime()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        var at = Now().AddMinutes(1);

        await Store.Users.UpdatePasswordAsync(user.Id, "$2b$10$new", at, default);

        Assert.Equal(user with { PasswordHash = "$2b$10$new", UpdatedAt = at }, await Store.Users.FindByIdAsync(user.Id, default));
    }

    // Messages

    [SkippableFact]
    public async Task InsertedMessagesRoundTripEveryField()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b, groupId) = (NewId(), NewId(), NewId());
        var direct = DirectMessage(a, b, "line one\nline <two> & \"three\" 😀", Unique("c"));
        var group = GroupMessage(groupId, a);

        var (storedDirect, createdDirect, _) = await Store.Messages.InsertAsync(direct, default);
        var (storedGroup, createdGroup, _) = await Store.Messages.InsertAsync(group, default);

        Assert.True(createdDirect);
        Assert.True(createdGroup);
        Assert.Equal(direct, storedDirect);
        Assert.Equal(group, storedGroup);
        Assert.Equal(direct, await Store.Messages.FindByIdAsync(direct.Id, default));
        Assert.Equal(group, await Store.Messages.FindByIdAsync(group.Id, default));
    }

    [SkippableFact]
    public async Task AnInsertedMessageBecomesTheLatestOfItsConversationAndAnOlderOneNeverTakesItsPlace()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b, groupId) = (NewId(), NewId(), NewId());
        var older = DirectMessage(a, b, "older");
        var newer = DirectMessage(b, a, "newer", Unique("client"));
        var group = GroupMessage(groupId, a);

        await Store.Messages.InsertAsync(newer, default);
        await Store.Messages.InsertAsync(older, default);
        await Store.Messages.InsertAsync(group, default);

        var direct = await Store.Conversations.FindAsync(newer.ConversationId, default);
        Assert.Equal(newer.Id, direct!.LastMessageId);
        Assert.Equal(newer.CreatedAt, direct.UpdatedAt);
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), direct.Participants.Order(StringComparer.Ordinal));
        Assert.Equal([newer.Id], (await Store.Conversations.ListAsync(a, [], 10, default)).Select(c => c.LastMessageId));
        Assert.Equal([newer.Id], (await Store.Conversations.ListAsync(b, [], 10, default)).Select(c => c.LastMessageId));
        var groupConversation = await Store.Conversations.FindAsync(group.ConversationId, default);
        Assert.Equal((group.Id, groupId), (groupConversation!.LastMessageId, groupConversation.GroupId));
        Assert.Equal([group.Id], (await Store.Conversations.ListAsync(NewId(), [groupId], 10, default)).Select(c => c.LastMessageId));

        // A repeat of the newer message stores nothing and leaves the conversation as it is.
        Assert.False((await Store.Messages.InsertAsync(newer with { Id = NewId(), Content = "again" }, default)).Created);
        var after = await Store.Conversations.FindAsync(newer.ConversationId, default);
        Assert.Equal((newer.Id, newer.CreatedAt), (after!.LastMessageId, after.UpdatedAt));
    }

    [SkippableFact]
    public async Task InsertingAClientMessageIdAgainReturnsTheStoredMessageAndStoresNothingNew()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var clientId = Unique("client");
        var original = DirectMessage(a, b, "first", clientId);
        var retry = DirectMessage(a, b, "second", clientId);

        var first = await Store.Messages.InsertAsync(original, default);
        Assert.True(first.Created);
        var (returned, created, change) = await Store.Messages.InsertAsync(retry, default);

        Assert.False(created);
        // The repeat names the change that stored the message (so it can publish it under that change's cursor).
        Assert.Equal(first.Change, change);
        Assert.Equal(original, returned);
        Assert.Null(await Store.Messages.FindByIdAsync(retry.Id, default));
        Assert.Equal([original], await Store.Messages.GetPageAsync(original.ConversationId, null, 10, default));

        // The key is per sender: the other user may use the same client id, and messages without one never collide.
        Assert.True((await Store.Messages.InsertAsync(DirectMessage(b, a, "reply", clientId), default)).Created);
        Assert.True((await Store.Messages.InsertAsync(DirectMessage(a, b, "no id"), default)).Created);
        Assert.True((await Store.Messages.InsertAsync(DirectMessage(a, b, "no id"), default)).Created);
        Assert.Equal(4, (await Store.Messages.GetPageAsync(original.ConversationId, null, 10, default)).Count);
    }

    [SkippableFact]
    public async Task ConcurrentRetriesOfOneClientMessageIdStoreOneMessage()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var clientId = Unique("client");
        var attempts = Enumerable.Range(0, 10).Select(i => DirectMessage(a, b, $"attempt {i}", clientId)).ToList();

        var results = await Task.WhenAll(attempts.Select(m => Store.Messages.InsertAsync(m, default)));

        Assert.Single(results, r => r.Created);
        var (stored, _, change) = results.Single(r => r.Created);
        Assert.All(results, r => Assert.Equal(stored, r.Message));
        Assert.All(results, r => Assert.Equal(change, r.Change));
        Assert.Equal([stored], await Store.Messages.GetPageAsync(stored.ConversationId, null, 50, default));
    }

    [SkippableFact]
    public async Task HistoryPagesNewestFirstReproduceTheWholeConversation()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var inserted = new List<MessageRecord>();
        for (var i = 0; i < 120; i++)
        {
            var message = i % 2 == 0 ? DirectMessage(a, b, $"message {i}") : DirectMessage(b, a, $"message {i}");
            inserted.Add((await Store.Messages.InsertAsync(message, default)).Message);
        }
        // Another conversation of one of the users must not leak into the pages.
        await Store.Messages.InsertAsync(DirectMessage(a, NewId(), "elsewhere"), default);
        var conversationId = ConversationIds.Direct(a, b);

        var paged = new List<MessageRecord>();
        string? before = null;
        var pages = 0;
        while (true)
        {
            var page = await Store.Messages.GetPageAsync(conversationId, before, 25, default);
            if (page.Count == 0)
            {
                break;
            }
            Assert.True(page.Count <= 25);
            paged.AddRange(page);
            before = page[^1].Id;
            pages++;
        }

        Assert.Equal(5, pages);
        Assert.Equal(inserted.AsEnumerable().Reverse(), paged);
    }

    [SkippableFact]
    public async Task EditingAndDeletingChangeOnlyTheirMessage()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var message = (await Store.Messages.InsertAsync(DirectMessage(a, b, "draft"), default)).Message;
        var neighbour = (await Store.Messages.InsertAsync(DirectMessage(a, b, "keep me"), default)).Message;
        var editedAt = Now().AddSeconds(5);

        var edited = (await Store.Messages.UpdateContentAsync(message.Id, "final", [], editedAt, default))?.Value;
        Assert.Equal(message with { Content = "final", EditedAt = editedAt }, edited);
        Assert.Equal(edited, await Store.Messages.FindByIdAsync(message.Id, default));

        var deletedAt = editedAt.AddSeconds(5);
        var deleted = (await Store.Messages.MarkDeletedAsync(message.Id, deletedAt, default))?.Value;
        Assert.NotNull(deleted);
        Assert.True(deleted.Deleted);
        Assert.Equal("", deleted.Content);
        Assert.Equal(deleted, await Store.Messages.FindByIdAsync(message.Id, default));

        Assert.Equal(neighbour, await Store.Messages.FindByIdAsync(neighbour.Id, default));
        Assert.Null(await Store.Messages.UpdateContentAsync(NewId(), "x", [], editedAt, default));
        Assert.Null(await Store.Messages.MarkDeletedAsync(NewId(), deletedAt, default));
    }

    [SkippableFact]
    public async Task UnreadCountsUndeletedMessagesOfOthersAfterTheMarker()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (me, peer) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(me, peer);
        var first = (await Store.Messages.InsertAsync(DirectMessage(peer, me, "1"), default)).Message;
        await Store.Messages.InsertAsync(DirectMessage(me, peer, "mine"), default);
        var second = (await Store.Messages.InsertAsync(DirectMessage(peer, me, "2"), default)).Message;
        var third = (await Store.Messages.InsertAsync(DirectMessage(peer, me, "3"), default)).Message;
        await Store.Messages.InsertAsync(DirectMessage(peer, me, "4"), default);

        Assert.Equal(4, await Store.Messages.CountUnreadAsync(conversationId, me, null, default));
        Assert.Equal(3, await Store.Messages.CountUnreadAsync(conversationId, me, first.Id, default));
        Assert.Equal(1, await Store.Messages.CountUnreadAsync(conversationId, peer, null, default));

        await Store.Messages.MarkDeletedAsync(third.Id, Now(), default);
        Assert.Equal(2, await Store.Messages.CountUnreadAsync(conversationId, me, first.Id, default));
        Assert.Equal(1, await Store.Messages.CountUnreadAsync(conversationId, me, second.Id, default));
        Assert.Equal(0, await Store.Messages.CountUnreadAsync(ConversationIds.Direct(me, NewId()), me, null, default));
    }

    // Conversations and read markers

    [SkippableFact]
    public async Task TouchingAConversationNeverMovesItsLastMessageBackwards()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(a, b);
        var (older, newer, newest) = (NewId(), NewId(), NewId());
        var t = Now();

        await Store.Conversations.TouchAsync(new ConversationRecord(conversationId, [b, a], null, newer, t.AddSeconds(2)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(conversationId, [a, b], null, older, t.AddSeconds(1)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(conversationId, [a, b], null, newer, t.AddSeconds(3)), default);

        string[] participants = string.CompareOrdinal(a, b) < 0 ? [a, b] : [b, a];
        AssertConversation(new ConversationRecord(conversationId, participants, null, newer, t.AddSeconds(2)),
            await Store.Conversations.FindAsync(conversationId, default));

        await Store.Conversations.TouchAsync(new ConversationRecord(conversationId, [a, b], null, newest, t.AddSeconds(4)), default);
        AssertConversation(new ConversationRecord(conversationId, participants, null, newest, t.AddSeconds(4)),
            await Store.Conversations.FindAsync(conversationId, default));
        Assert.Null(await Store.Conversations.FindAsync(ConversationIds.Direct(a, NewId()), default));
    }

    [SkippableFact]
    public async Task ConcurrentTouchesKeepTheNewestMessage()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(a, b);
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();
        var t = Now();

        await Task.WhenAll(ids.Select((id, i) => Store.Conversations.TouchAsync(
            new ConversationRecord(conversationId, [a, b], null, id, t.AddMilliseconds(i)), default)));

        var found = await Store.Conversations.FindAsync(conversationId, default);
        Assert.Equal(ids[^1], found?.LastMessageId);
        Assert.Equal(t.AddMilliseconds(19), found?.UpdatedAt);
    }

    [SkippableFact]
    public async Task ListShowsTheUsersDirectAndGroupConversationsLatestFirst()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (me, low, high, stranger) = (NewId(), NewId(), NewId(), NewId());
        var (myGroup, otherGroup) = (NewId(), NewId());
        var t = Now();
        // Ids on both sides of mine, so I am participant a in one conversation and b in the other.
        low = "0000" + low[4..];
        high = "ffff" + high[4..];

        await Store.Conversations.TouchAsync(new ConversationRecord(ConversationIds.Direct(me, low), [me, low], null, NewId(), t.AddSeconds(1)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(ConversationIds.Group(myGroup), [], myGroup, NewId(), t.AddSeconds(3)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(ConversationIds.Direct(high, me), [high, me], null, NewId(), t.AddSeconds(2)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(ConversationIds.Group(otherGroup), [], otherGroup, NewId(), t.AddSeconds(4)), default);
        await Store.Conversations.TouchAsync(new ConversationRecord(ConversationIds.Direct(low, stranger), [low, stranger], null, NewId(), t.AddSeconds(5)), default);

        var listed = await Store.Conversations.ListAsync(me, [myGroup], 10, default);
        Assert.Equal(
            [ConversationIds.Group(myGroup), ConversationIds.Direct(me, high), ConversationIds.Direct(me, low)],
            listed.Select(c => c.ConversationId));
        Assert.Equal(myGroup, listed[0].GroupId);
        Assert.Empty(listed[0].Participants);

        var limited = await Store.Conversations.ListAsync(me, [myGroup], 2, default);
        Assert.Equal([ConversationIds.Group(myGroup), ConversationIds.Direct(me, high)], limited.Select(c => c.ConversationId));

        Assert.Equal([ConversationIds.Direct(me, high), ConversationIds.Direct(me, low)],
            (await Store.Conversations.ListAsync(me, [], 10, default)).Select(c => c.ConversationId));
    }

    [SkippableFact]
    public async Task ReadMarkersOnlyMoveForward()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (me, peer) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(me, peer);
        var (m1, m2, m3) = (NewId(), NewId(), NewId());

        Assert.Equal(m2, (await Store.Conversations.AdvanceReadMarkerAsync(conversationId, me, m2, default)).UpTo);
        Assert.Equal(m2, (await Store.Conversations.AdvanceReadMarkerAsync(conversationId, me, m1, default)).UpTo);
        Assert.Equal(m1, (await Store.Conversations.AdvanceReadMarkerAsync(conversationId, peer, m1, default)).UpTo);
        Assert.Equal(m3, (await Store.Conversations.AdvanceReadMarkerAsync(conversationId, me, m3, default)).UpTo);

        var markers = await Store.Conversations.GetReadMarkersAsync(conversationId, default);
        Assert.Equal(2, markers.Count);
        Assert.Equal(m3, markers[me]);
        Assert.Equal(m1, markers[peer]);
        Assert.Empty(await Store.Conversations.GetReadMarkersAsync(ConversationIds.Direct(me, NewId()), default));

        // Several conversations in one query: each with its own markers, one without any left out.
        var other = ConversationIds.Direct(peer, NewId());
        await Store.Conversations.AdvanceReadMarkerAsync(other, peer, m2, default);
        var both = await Store.Conversations.GetReadMarkersAsync([conversationId, other, ConversationIds.Direct(me, NewId())], default);
        Assert.Equal(new[] { conversationId, other }.Order(StringComparer.Ordinal), both.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(markers.OrderBy(m => m.Key), both[conversationId].OrderBy(m => m.Key));
        Assert.Equal(new Dictionary<string, string> { [peer] = m2 }, both[other]);
        Assert.Empty(await Store.Conversations.GetReadMarkersAsync(Array.Empty<string>(), default));
    }

    [SkippableFact]
    public async Task ConcurrentReadMarkerAdvancesKeepTheHighest()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (me, peer) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(me, peer);
        var ids = Enumerable.Range(0, 20).Select(_ => NewId()).ToList();

        await Task.WhenAll(ids.Select(id => Store.Conversations.AdvanceReadMarkerAsync(conversationId, me, id, default)));

        Assert.Equal(ids[^1], (await Store.Conversations.GetReadMarkersAsync(conversationId, default))[me]);
    }

    // Groups

    [SkippableFact]
    public async Task GroupsAreFoundByIdAndListedForTheirMembers()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (owner, member, outsider) = (NewId(), NewId(), NewId());
        var t = Now();
        var group = new GroupRecord(NewId(), "Weekend 🚲", [owner, member], [owner], owner, t, t, 1);
        var another = new GroupRecord(NewId(), "Solo", [owner], [owner], owner, t, t, 1);

        await Store.Groups.CreateAsync(group, default);
        await Store.Groups.CreateAsync(another, default);

        AssertGroup(group, await Store.Groups.FindByIdAsync(group.Id, default));
        Assert.Equal([group.Id, another.Id], (await Store.Groups.ListForMemberAsync(owner, default)).Select(g => g.Id));
        var memberGroups = await Store.Groups.ListForMemberAsync(member, default);
        Assert.Single(memberGroups);
        AssertGroup(group, memberGroups[0]);
        Assert.Empty(await Store.Groups.ListForMemberAsync(outsider, default));
        Assert.Null(await Store.Groups.FindByIdAsync(NewId(), default));
    }

    [SkippableFact]
    public async Task UpdatingMembersNeedsTheCurrentVersion()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (owner, member, newcomer) = (NewId(), NewId(), NewId());
        var t = Now();
        var group = new GroupRecord(NewId(), "Team", [owner, member], [owner], owner, t, t, 1);
        await Store.Groups.CreateAsync(group, default);
        var at = t.AddMinutes(1);

        var updated = (await Store.Groups.UpdateMembersAsync(group.Id, 1, [owner, newcomer], [owner, newcomer], at, default))?.Value;

        var expected = group with { Members = [owner, newcomer], Admins = [owner, newcomer], UpdatedAt = at, Version = 2 };
        AssertGroup(expected, updated);
        AssertGroup(expected, await Store.Groups.FindByIdAsync(group.Id, default));
        Assert.Empty(await Store.Groups.ListForMemberAsync(member, default));
        Assert.Single(await Store.Groups.ListForMemberAsync(newcomer, default));

        // A writer that read version 1 lost the race: nothing changes.
        Assert.Null(await Store.Groups.UpdateMembersAsync(group.Id, 1, [owner], [owner], at.AddMinutes(1), default));
        AssertGroup(expected, await Store.Groups.FindByIdAsync(group.Id, default));
        Assert.Null(await Store.Groups.UpdateMembersAsync(NewId(), 1, [owner], [owner], at, default));
    }

    [SkippableFact]
    public async Task ConcurrentMemberUpdatesOfOneVersionLetExactlyOneWin()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var owner = NewId();
        var t = Now();
        var group = new GroupRecord(NewId(), "Race", [owner], [owner], owner, t, t, 7);
        await Store.Groups.CreateAsync(group, default);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Store.Groups.UpdateMembersAsync(group.Id, 7, [owner, NewId()], [owner], t.AddSeconds(1), default)));
        var winners = results.Where(r => r is not null).Select(r => r!.Value).ToList();

        var winner = Assert.Single(winners);
        AssertGroup(winner, await Store.Groups.FindByIdAsync(group.Id, default));
        Assert.Equal(8, winner!.Version);
    }

    // Records compare list members by reference, so these compare field by field.
    private static void AssertGroup(GroupRecord expected, GroupRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.Id, expected.Name, expected.CreatedBy, expected.CreatedAt, expected.UpdatedAt, expected.Version),
            (actual.Id, actual.Name, actual.CreatedBy, actual.CreatedAt, actual.UpdatedAt, actual.Version));
        Assert.Equal(expected.Members, actual.Members);
        Assert.Equal(expected.Admins, actual.Admins);
    }

    private static void AssertConversation(ConversationRecord expected, ConversationRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(
            (expected.ConversationId, expected.GroupId, expected.LastMessageId, expected.UpdatedAt),
            (actual.ConversationId, actual.GroupId, actual.LastMessageId, actual.UpdatedAt));
        Assert.Equal(expected.Participants, actual.Participants);
    }

    // Tokens

    [SkippableFact]
    public async Task ARefreshTokenIsUsedExactlyOnceUnderConcurrency()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var token = new RefreshTokenRecord(Unique("hash"), NewId(), Unique("family"), t, t + Hour, null, null);
        await Store.Tokens.InsertRefreshTokenAsync(token, default);
        Assert.Equal(token, await Store.Tokens.FindRefreshTokenAsync(token.TokenHash, default));

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Store.Tokens.TryUseRefreshTokenAsync(token.TokenHash, t.AddSeconds(1), default)));

        Assert.Single(results, r => r);
        Assert.Equal(token with { UsedAt = t.AddSeconds(1) }, await Store.Tokens.FindRefreshTokenAsync(token.TokenHash, default));
        Assert.False(await Store.Tokens.TryUseRefreshTokenAsync(Unique("unknown"), t, default));
        Assert.Null(await Store.Tokens.FindRefreshTokenAsync(Unique("unknown"), default));
    }

    [SkippableFact]
    public async Task RevokingAFamilyRevokesItsTokensOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var user = NewId();
        var (family, otherFamily) = (Unique("family"), Unique("family"));
        var used = new RefreshTokenRecord(Unique("hash"), user, family, t, t + Hour, t, null);
        var current = new RefreshTokenRecord(Unique("hash"), user, family, t, t + Hour, null, null);
        var other = new RefreshTokenRecord(Unique("hash"), user, otherFamily, t, t + Hour, null, null);
        foreach (var token in new[] { used, current, other })
        {
            await Store.Tokens.InsertRefreshTokenAsync(token, default);
        }

        await Store.Tokens.RevokeRefreshFamilyAsync(family, t.AddSeconds(1), default);

        Assert.Equal(used with { RevokedAt = t.AddSeconds(1) }, await Store.Tokens.FindRefreshTokenAsync(used.TokenHash, default));
        Assert.Equal(current with { RevokedAt = t.AddSeconds(1) }, await Store.Tokens.FindRefreshTokenAsync(current.TokenHash, default));
        Assert.False(await Store.Tokens.TryUseRefreshTokenAsync(current.TokenHash, t.AddSeconds(2), default));
        Assert.Equal(other, await Store.Tokens.FindRefreshTokenAsync(other.TokenHash, default));
        Assert.True(await Store.Tokens.TryUseRefreshTokenAsync(other.TokenHash, t.AddSeconds(2), default));
    }

    [SkippableFact]
    public async Task RevokingAllRefreshTokensOfAUserLeavesOtherUsersAlone()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var (user, otherUser) = (NewId(), NewId());
        var first = new RefreshTokenRecord(Unique("hash"), user, Unique("family"), t, t + Hour, null, null);
        var second = new RefreshTokenRecord(Unique("hash"), user, Unique("family"), t, t + Hour, null, null);
        var others = new RefreshTokenRecord(Unique("hash"), otherUser, Unique("family"), t, t + Hour, null, null);
        foreach (var token in new[] { first, second, others })
        {
            await Store.Tokens.InsertRefreshTokenAsync(token, default);
        }

        await Store.Tokens.RevokeAllRefreshTokensAsync(user, t.AddSeconds(1), default);

        Assert.False(await Store.Tokens.TryUseRefreshTokenAsync(first.TokenHash, t.AddSeconds(2), default));
        Assert.False(await Store.Tokens.TryUseRefreshTokenAsync(second.TokenHash, t.AddSeconds(2), default));
        Assert.Equal(t.AddSeconds(1), (await Store.Tokens.FindRefreshTokenAsync(second.TokenHash, default))?.RevokedAt);
        Assert.True(await Store.Tokens.TryUseRefreshTokenAsync(others.TokenHash, t.AddSeconds(2), default));
    }

    [SkippableFact]
    public async Task AResetTokenIsUsedOnce()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();
        var token = new ResetTokenRecord(Unique("reset"), NewId(), t, t.AddMinutes(30), null);
        await Store.Tokens.InsertResetTokenAsync(token, default);
        Assert.Equal(token, await Store.Tokens.FindResetTokenAsync(token.TokenHash, default));

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            Store.Tokens.TryUseResetTokenAsync(token.TokenHash, t.AddMinutes(1), default)));

        Assert.Single(results, r => r);
        Assert.Equal(token with { UsedAt = t.AddMinutes(1) }, await Store.Tokens.FindResetTokenAsync(token.TokenHash, default));
        Assert.False(await Store.Tokens.TryUseResetTokenAsync(Unique("unknown"), t, default));
        Assert.Null(await Store.Tokens.FindResetTokenAsync(Unique("unknown"), default));
    }

    [SkippableFact]
    public async Task ANewResetTokenEndsTheUsersOlderOnesAndLeavesOtherUsersAlone()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (user, other) = (NewId(), NewId());
        var t = Now();
        var first = new ResetTokenRecord(Unique("reset"), user, t, t.AddMinutes(30), null);
        var others = new ResetTokenRecord(Unique("reset"), other, t, t.AddMinutes(30), null);
        var second = new ResetTokenRecord(Unique("reset"), user, t.AddSeconds(1), t.AddMinutes(31), null);
        await Store.Tokens.InsertResetTokenAsync(first, default);
        await Store.Tokens.InsertResetTokenAsync(others, default);
        await Store.Tokens.InsertResetTokenAsync(second, default);

        Assert.NotNull((await Store.Tokens.FindResetTokenAsync(first.TokenHash, default))?.UsedAt);
        Assert.False(await Store.Tokens.TryUseResetTokenAsync(first.TokenHash, t.AddSeconds(2), default));
        Assert.Equal(second, await Store.Tokens.FindResetTokenAsync(second.TokenHash, default));
        Assert.Equal(others, await Store.Tokens.FindResetTokenAsync(others.TokenHash, default));

        // An older token stored after a newer one is born ended.
        var late = new ResetTokenRecord(Unique("reset"), user, t, t.AddMinutes(30), null);
        await Store.Tokens.InsertResetTokenAsync(late, default);
        Assert.NotNull((await Store.Tokens.FindResetTokenAsync(late.TokenHash, default))?.UsedAt);
        Assert.Null((await Store.Tokens.FindResetTokenAsync(second.TokenHash, default))?.UsedAt);
    }

    [SkippableFact]
    public async Task ConcurrentResetTokensOfOneUserLeaveExactlyOneLiveTheNewest()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 10; round++)
        {
            var user = NewId();
            var t = Now();
            // Some share a creation time: the hash then decides.
            var tokens = Enumerable.Range(0, 12)
                .Select(i => new ResetTokenRecord(Unique("reset"), user, t.AddMilliseconds(i / 3), t.AddMinutes(30), null))
                .ToList();

            await Task.WhenAll(tokens.Select(token => Store.Tokens.InsertResetTokenAsync(token, default)));

            var stored = await Task.WhenAll(tokens.Select(token => Store.Tokens.FindResetTokenAsync(token.TokenHash, default)));
            var newest = tokens.OrderBy(token => token.CreatedAt).ThenBy(token => token.TokenHash, StringComparer.Ordinal).Last();
            Assert.Equal([newest.TokenHash], stored.Where(token => token!.UsedAt is null).Select(token => token!.TokenHash));
        }
    }

    [SkippableFact]
    public async Task UsingAllResetTokensEndsEveryLiveTokenOfTheUserOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (user, other) = (NewId(), NewId());
        var t = Now();
        var mine = new ResetTokenRecord(Unique("reset"), user, t, t.AddMinutes(30), null);
        var theirs = new ResetTokenRecord(Unique("reset"), other, t, t.AddMinutes(30), null);
        await Store.Tokens.InsertResetTokenAsync(mine, default);
        await Store.Tokens.InsertResetTokenAsync(theirs, default);

        await Store.Tokens.UseAllResetTokensAsync(user, t.AddMinutes(1), default);
        await Store.Tokens.UseAllResetTokensAsync("not-an-id", t.AddMinutes(1), default);

        Assert.Equal(mine with { UsedAt = t.AddMinutes(1) }, await Store.Tokens.FindResetTokenAsync(mine.TokenHash, default));
        Assert.Equal(theirs, await Store.Tokens.FindResetTokenAsync(theirs.TokenHash, default));
    }

    [SkippableFact]
    public async Task PurgeRemovesExpiredTokensOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var now = Now();
        var expiredRefresh = new RefreshTokenRecord(Unique("hash"), NewId(), Unique("family"), now - 2 * Hour, now - Hour, null, null);
        var liveRefresh = new RefreshTokenRecord(Unique("hash"), NewId(), Unique("family"), now, now + Hour, null, null);
        var expiredReset = new ResetTokenRecord(Unique("reset"), NewId(), now - Hour, now.AddMinutes(-30), null);
        var liveReset = new ResetTokenRecord(Unique("reset"), NewId(), now, now.AddMinutes(30), null);
        await Store.Tokens.InsertRefreshTokenAsync(expiredRefresh, default);
        await Store.Tokens.InsertRefreshTokenAsync(liveRefresh, default);
        await Store.Tokens.InsertResetTokenAsync(expiredReset, default);
        await Store.Tokens.InsertResetTokenAsync(liveReset, default);

        // A TTL index may have removed some already; the count is then smaller, the outcome the same.
        Assert.InRange(await Store.Tokens.PurgeExpiredAsync(now, default), 0, 2);

        Assert.Null(await Store.Tokens.FindRefreshTokenAsync(expiredRefresh.TokenHash, default));
        Assert.Null(await Store.Tokens.FindResetTokenAsync(expiredReset.TokenHash, default));
        Assert.Equal(liveRefresh, await Store.Tokens.FindRefreshTokenAsync(liveRefresh.TokenHash, default));
        Assert.Equal(liveReset, await Store.Tokens.FindResetTokenAsync(liveReset.TokenHash, default));
    }

    // Rate limits

    [SkippableFact]
    public async Task RateLimitCountersCountWithinAWindowAndRestartInTheNext()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var key = Unique("login:");
        var window = Now().AddMinutes(1);

        Assert.Equal(1, await Store.RateLimits.IncrementAsync(key, window, default));
        Assert.Equal(2, await Store.RateLimits.IncrementAsync(key, window, default));
        Assert.Equal(1, await Store.RateLimits.IncrementAsync(Unique("login:"), window, default));
        Assert.Equal(3, await Store.RateLimits.IncrementAsync(key, window, default));

        var next = window.AddMinutes(1);
        Assert.Equal(1, await Store.RateLimits.IncrementAsync(key, next, default));
        Assert.Equal(2, await Store.RateLimits.IncrementAsync(key, next, default));
    }

    [SkippableFact]
    public async Task ConcurrentIncrementsAreAllCounted()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var window = Now().AddMinutes(1);

        // Many new keys at once: each key's first increments race to create it (no upsert may lose one).
        var keys = Enumerable.Range(0, 10).Select(_ => Unique("send:")).ToList();
        var counts = await Task.WhenAll(keys.Select(key => Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Store.RateLimits.IncrementAsync(key, window, default)))));

        Assert.All(counts, c => Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), c.Order()));
    }

    [SkippableFact]
    public async Task StrikesCountUntilTheyExpireAndAnswerTheRecordBeforeEachStrike()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var key = Unique("strike:");
        var t = Now();

        Assert.Null(await Store.RateLimits.FindStrikesAsync(key, t, default));
        Assert.Null(await Store.RateLimits.StrikeAsync(key, t, t.AddMinutes(10), default));
        Assert.Equal(new StrikeRecord(1, t, t.AddMinutes(10)), await Store.RateLimits.StrikeAsync(key, t.AddSeconds(1), t.AddMinutes(11), default));
        Assert.Equal(new StrikeRecord(2, t.AddSeconds(1), t.AddMinutes(11)), await Store.RateLimits.FindStrikesAsync(key, t.AddSeconds(2), default));
        // A window counter of the same key is another thing.
        Assert.Equal(1, await Store.RateLimits.IncrementAsync(key, t.AddMinutes(1), default));

        // Expired: found no more, and the next strike starts over.
        Assert.Null(await Store.RateLimits.FindStrikesAsync(key, t.AddMinutes(11), default));
        Assert.Null(await Store.RateLimits.StrikeAsync(key, t.AddMinutes(12), t.AddMinutes(20), default));
        Assert.Equal(new StrikeRecord(1, t.AddMinutes(12), t.AddMinutes(20)), await Store.RateLimits.FindStrikesAsync(key, t.AddMinutes(12), default));

        await Store.RateLimits.ClearStrikesAsync(key, default);
        Assert.Null(await Store.RateLimits.FindStrikesAsync(key, t.AddMinutes(12), default));
        await Store.RateLimits.ClearStrikesAsync(Unique("never:"), default);
    }

    [SkippableFact]
    public async Task ConcurrentStrikesEachSeeADifferentCount()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 10; round++)
        {
            var key = Unique("burst:");
            var t = Now();

            var before = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => Store.RateLimits.StrikeAsync(key, t, t.AddMinutes(5), default)));

            Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), before.Select(record => record?.Count ?? 0).Order());
            Assert.Equal(25, (await Store.RateLimits.FindStrikesAsync(key, t, default))?.Count);
        }
    }

    // Presence

    [SkippableFact]
    public async Task PresenceCountsTheConnectionsOfTwoDevices()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = NewId();
        var t = Now();

        Assert.Equal(new PresenceRecord(user, 1, t), await Store.Presence.ConnectedAsync(user, t, default));
        Assert.Equal(new PresenceRecord(user, 2, t.AddSeconds(1)), await Store.Presence.ConnectedAsync(user, t.AddSeconds(1), default));
        Assert.Equal([new PresenceRecord(user, 2, t.AddSeconds(2))], await Store.Presence.HeartbeatAsync([user], t.AddSeconds(2), default));
        Assert.Equal(new PresenceRecord(user, 1, t.AddSeconds(3)), await Store.Presence.DisconnectedAsync(user, t.AddSeconds(3), default));
        Assert.Equal(new PresenceRecord(user, 0, t.AddSeconds(4)), await Store.Presence.DisconnectedAsync(user, t.AddSeconds(4), default));

        // A disconnect the store never saw connect (or one after expiry) stays at zero.
        Assert.Equal(new PresenceRecord(user, 0, t.AddSeconds(5)), await Store.Presence.DisconnectedAsync(user, t.AddSeconds(5), default));
        Assert.Empty(await Store.Presence.HeartbeatAsync([user], t.AddSeconds(6), default));
        Assert.Equal([new PresenceRecord(user, 0, t.AddSeconds(5))], await Store.Presence.GetAsync([user, NewId()], default));

        var stranger = NewId();
        Assert.Equal(new PresenceRecord(stranger, 0, t), await Store.Presence.DisconnectedAsync(stranger, t, default));
    }

    [SkippableFact]
    public async Task ConcurrentConnectsAndDisconnectsBalance()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var t = Now();

        // Many new users at once: each user's first connects race to create its record (no upsert may lose one).
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => BalanceAsync(NewId())));

        async Task BalanceAsync(string user)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Store.Presence.ConnectedAsync(user, t.AddMilliseconds(i), default)));
            Assert.Equal(10, (await Store.Presence.GetAsync([user], default)).Single().Connections);
            await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Store.Presence.DisconnectedAsync(user, t.AddSeconds(1), default)));

            Assert.Equal(new PresenceRecord(user, 0, t.AddSeconds(1)), (await Store.Presence.GetAsync([user], default)).Single());
        }
    }

    [SkippableFact]
    public async Task OneHeartbeatRefreshesEveryConnectedUserGivenAndLeavesOutTheRest()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (first, second, gone, never, other) = (NewId(), NewId(), NewId(), NewId(), NewId());
        var t = Now();
        await Store.Presence.ConnectedAsync(first, t, default);
        await Store.Presence.ConnectedAsync(second, t, default);
        await Store.Presence.ConnectedAsync(second, t, default);
        await Store.Presence.ConnectedAsync(gone, t, default);
        await Store.Presence.DisconnectedAsync(gone, t, default);
        await Store.Presence.ConnectedAsync(other, t, default);

        var refreshed = await Store.Presence.HeartbeatAsync([first, second, gone, never, second, "not-an-id"], t.AddSeconds(30), default);

        Assert.Equal(
            [new PresenceRecord(first, 1, t.AddSeconds(30)), new PresenceRecord(second, 2, t.AddSeconds(30))],
            refreshed.OrderBy(r => r.UserId == first ? 0 : 1));
        var after = (await Store.Presence.GetAsync([gone, never, other], default)).ToDictionary(p => p.UserId);
        Assert.Equal(new PresenceRecord(gone, 0, t), after[gone]);
        Assert.False(after.ContainsKey(never));
        Assert.Equal(new PresenceRecord(other, 1, t), after[other]);

        // lastSeenAt never goes back, as with every other presence write.
        Assert.Equal([new PresenceRecord(first, 1, t.AddSeconds(30))], await Store.Presence.HeartbeatAsync([first], t, default));
    }

    [SkippableFact]
    public async Task ExpiryZeroesOnlyUsersNotSeenSinceTheCutoff()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (stale, fresh, offline) = (NewId(), NewId(), NewId());
        var now = Now();
        await Store.Presence.ConnectedAsync(stale, now.AddMinutes(-10), default);
        await Store.Presence.ConnectedAsync(stale, now.AddMinutes(-9), default);
        await Store.Presence.ConnectedAsync(fresh, now.AddMinutes(-10), default);
        await Store.Presence.HeartbeatAsync([fresh], now, default);
        await Store.Presence.DisconnectedAsync(offline, now.AddMinutes(-10), default);

        var expired = await Store.Presence.ExpireAsync(now.AddMinutes(-5), default);

        Assert.Contains(new PresenceRecord(stale, 0, now.AddMinutes(-9)), expired);
        Assert.DoesNotContain(expired, p => p.UserId == fresh || p.UserId == offline);
        var after = (await Store.Presence.GetAsync([stale, fresh, offline], default)).ToDictionary(p => p.UserId);
        Assert.Equal(0, after[stale].Connections);
        Assert.Equal(1, after[fresh].Connections);
        Assert.DoesNotContain(await Store.Presence.ExpireAsync(now.AddMinutes(-5), default), p => p.UserId == stale);
    }

    // Ids from the outside

    [SkippableTheory]
    [InlineData("not-an-id")]
    [InlineData("")]
    [InlineData("65f1c0ffee65f1c0ffee65f")]
    [InlineData("65f1c0ffee65f1c0ffee65fz")]
    [InlineData("' OR 1=1 --")]
    [InlineData("{\"$gt\": \"\"}")]
    public async Task IdsThatAreNotObjectIdsFindNothing(string id)
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var existing = await CreateUserAsync();
        var t = Now();
        var (a, b) = (NewId(), NewId());
        await Store.Messages.InsertAsync(DirectMessage(a, b), default);

        Assert.Null(await Store.Users.FindByIdAsync(id, default));
        Assert.Equal([existing.Id], (await Store.Users.FindByIdsAsync([id, existing.Id], default)).Select(u => u.Id));
        await Store.Users.UpdatePasswordAsync(id, "x", t, default);
        Assert.Null(await Store.Messages.FindByIdAsync(id, default));
        Assert.Empty(await Store.Messages.GetPageAsync(ConversationIds.Direct(a, b), id, 10, default));
        Assert.Null(await Store.Messages.UpdateContentAsync(id, "x", [], t, default));
        Assert.Null(await Store.Messages.MarkDeletedAsync(id, t, default));
        Assert.Null(await Store.Conversations.FindAsync(id, default));
        Assert.Empty(await Store.Conversations.ListAsync(id, [id], 10, default));
        Assert.Null(await Store.Groups.FindByIdAsync(id, default));
        Assert.Empty(await Store.Groups.ListForMemberAsync(id, default));
        Assert.Null(await Store.Groups.UpdateMembersAsync(id, 1, [a], [a], t, default));
        Assert.Empty(await Store.Presence.HeartbeatAsync([id], t, default));
        Assert.Empty(await Store.Presence.GetAsync([id], default));
        await Store.Tokens.RevokeAllRefreshTokensAsync(id, t, default);
    }

    [SkippableFact]
    public async Task WritesWithIdsThatAreNotObjectIdsAreRefused()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Users.CreateAsync(NewUser() with { Id = "nope" }, default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Messages.InsertAsync(DirectMessage(NewId(), NewId()) with { SenderId = "nope" }, default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Presence.ConnectedAsync("nope", Now(), default));
    }

    // Change log

    [SkippableFact]
    public async Task EveryVisibleWriteRecordsOneChangeInItsConversationInOrder()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var conversationId = ConversationIds.Direct(a, b);
        var clientId = Unique("c");
        var (message, _, sent) = await Store.Messages.InsertAsync(DirectMessage(a, b, "one", clientId), default);
        var (_, _, repeat) = await Store.Messages.InsertAsync(DirectMessage(a, b, "again", clientId), default);
        var edited = await Store.Messages.UpdateContentAsync(message.Id, "two", [], Now(), default);
        var read = await Store.Conversations.AdvanceReadMarkerAsync(conversationId, b, message.Id, default);
        var readAgain = await Store.Conversations.AdvanceReadMarkerAsync(conversationId, b, message.Id, default);
        var deleted = await Store.Messages.MarkDeletedAsync(message.Id, Now(), default);

        // A repeat records no change of its own: it names the one that stored the message.
        Assert.Equal(sent, repeat);
        Assert.Null(readAgain.Change);
        ChangeRecord[] expected = [sent!, edited!.Change, read.Change!, deleted!.Change];
        Assert.Equal(["newMessage", "messageUpdated", "messagesRead", "messageDeleted"], expected.Select(c => c.Type));
        Assert.Equal([message.Id, message.Id, b, message.Id], expected.Select(c => c.EntityId));
        // Numbers are consecutive over the log, and times strictly increase with them; where the store takes the
        // number before it knows the write changes nothing (MongoDB), the repeat's entry holds one as "nothing".
        var log = await Store.Changes.ReadAfterAsync(conversationId, 0, 10, default);
        Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(c => c.Seq));
        Assert.True(log.Zip(log.Skip(1)).All(p => p.First.At < p.Second.At));
        Assert.Equal(expected, log.Where(c => c.Type != ChangeRecord.Nothing));
        Assert.InRange(log.Count, expected.Length, expected.Length + 1);
        Assert.Equal(log.Where(c => c.Seq > expected[1].Seq), await Store.Changes.ReadAfterAsync(conversationId, expected[1].At, 10, default));
        Assert.Equal(expected[..1], await Store.Changes.ReadAfterAsync(conversationId, 0, 1, default));
        Assert.Empty(await Store.Changes.ReadAfterAsync(ConversationIds.Direct(a, NewId()), 0, 10, default));
        Assert.Equal(expected[1], await Store.Changes.FindAsync(conversationId, expected[1].Seq, default));
        Assert.Null(await Store.Changes.FindAsync(conversationId, log.Count + 1, default));
        Assert.Null(await Store.Changes.FindAsync(ConversationIds.Direct(a, NewId()), 1, default));
    }

    [SkippableFact]
    public async Task AMergedReadTakesEachConversationAfterItsOwnBoundOldestFirst()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var conversations = Enumerable.Range(0, 4).Select(_ => ConversationIds.Direct(NewId(), NewId())).ToArray();
        var appended = new List<ChangeRecord>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var conversationId in conversations)
            {
                appended.Add(await Store.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default));
            }
        }
        var byConversation = appended.GroupBy(c => c.ConversationId).ToDictionary(g => g.Key, g => g.ToList());
        // The first two from the start, the third after its second entry, the fourth after its last one.
        var bounds = new Dictionary<string, long>
        {
            [conversations[0]] = 0,
            [conversations[1]] = 0,
            [conversations[2]] = byConversation[conversations[2]][1].At,
            [conversations[3]] = byConversation[conversations[3]][^1].At,
        };
        var expected = appended.Where(c => c.At > bounds[c.ConversationId]).OrderBy(c => c.At).ThenBy(c => c.ConversationId, StringComparer.Ordinal).ToList();

        var all = await Store.Changes.ReadAfterAsync(bounds, 100, default);
        Assert.Equal(expected, all.OrderBy(c => c.At).ThenBy(c => c.ConversationId, StringComparer.Ordinal));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.At <= p.Second.At));
        // A limit keeps the oldest: everything before the last time returned, whichever conversation it is in.
        var first = await Store.Changes.ReadAfterAsync(bounds, 7, default);
        Assert.Equal(7, first.Count);
        Assert.Equal(expected.Where(c => c.At < first[^1].At), first.Where(c => c.At < first[^1].At).OrderBy(c => c.At).ThenBy(c => c.ConversationId, StringComparer.Ordinal));
        Assert.Empty(await Store.Changes.ReadAfterAsync(new Dictionary<string, long> { [conversations[3]] = bounds[conversations[3]] }, 10, default));
        Assert.Empty(await Store.Changes.ReadAfterAsync(new Dictionary<string, long>(), 10, default));

        // Point reads of several conversations in one query; a number not written yet is left out.
        var keys = new[] { (conversations[0], 2L), (conversations[2], 5L), (conversations[3], 6L), (ConversationIds.Direct(NewId(), NewId()), 1L) };
        var found = await Store.Changes.FindAsync(keys, default);
        Assert.Equal(
            [byConversation[conversations[0]][1], byConversation[conversations[2]][4]],
            found.OrderBy(c => c.At));
    }

    [SkippableFact]
    public async Task TheWholeLogReadsAfterATimeOldestFirstAcrossConversations()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var conversations = Enumerable.Range(0, 3).Select(_ => ConversationIds.Direct(NewId(), NewId())).ToArray();
        var appended = new List<ChangeRecord>();
        for (var round = 0; round < 4; round++)
        {
            appended.AddRange(await Task.WhenAll(conversations.Select(c => Store.Changes.AppendAsync(c, "reactionsUpdated", NewId(), default))));
        }
        var bound = appended.Min(c => c.At) - 1;

        // Other tests write to the same store at the same time: look at these conversations only.
        var read = (await Store.Changes.ReadAllAfterAsync(bound, 10_000, default)).Where(c => conversations.Contains(c.ConversationId)).ToList();
        Assert.Equal(appended.OrderBy(c => c.ConversationId).ThenBy(c => c.Seq), read.OrderBy(c => c.ConversationId).ThenBy(c => c.Seq));
        Assert.True(read.Zip(read.Skip(1)).All(p => p.First.At <= p.Second.At));
        var after = appended.OrderBy(c => c.At).ElementAt(5).At;
        Assert.All(await Store.Changes.ReadAllAfterAsync(after, 50, default), c => Assert.True(c.At > after));
        Assert.Equal(3, (await Store.Changes.ReadAllAfterAsync(bound, 3, default)).Count);
        Assert.Empty(await Store.Changes.ReadAllAfterAsync(bound, 0, default));
    }

    [SkippableFact]
    public async Task AConsumersStateIsSavedReplacedAndKeptApartFromOthers()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var consumer = Unique("webhook:");
        var other = Unique("webhook:");
        Assert.Null(await Store.Changes.GetConsumerStateAsync(consumer, default));

        await Store.Changes.SaveConsumerStateAsync(consumer, "{\"scan\":1}", default);
        await Store.Changes.SaveConsumerStateAsync(other, "{\"scan\":7}", default);
        Assert.Equal("{\"scan\":1}", await Store.Changes.GetConsumerStateAsync(consumer, default));

        // The dispatcher saves after every round, one save after another.
        for (var round = 2; round <= 20; round++)
        {
            await Store.Changes.SaveConsumerStateAsync(consumer, $"{{\"scan\":{round}}}", default);
        }
        Assert.Equal("{\"scan\":20}", await Store.Changes.GetConsumerStateAsync(consumer, default));
        Assert.Equal("{\"scan\":7}", await Store.Changes.GetConsumerStateAsync(other, default));
    }

    [SkippableFact]
    public async Task GroupCreationAndMemberChangesAreChangesOfTheGroupConversation()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var owner = NewId();
        var t = Now();
        var group = new GroupRecord(NewId(), "Log", [owner], [owner], owner, t, t, 1);
        var created = await Store.Groups.CreateAsync(group, default);
        var updated = await Store.Groups.UpdateMembersAsync(group.Id, 1, [owner, NewId()], [owner], t.AddSeconds(1), default);
        var lost = await Store.Groups.UpdateMembersAsync(group.Id, 1, [owner], [owner], t.AddSeconds(2), default);

        Assert.Null(lost);
        Assert.Equal([created, updated!.Change], await Store.Changes.ReadAfterAsync(ConversationIds.Group(group.Id), 0, 10, default));
        Assert.All([created, updated.Change], c => Assert.Equal(("groupUpdated", group.Id), (c.Type, c.EntityId)));
    }

    [SkippableFact]
    public async Task EveryReactionAddedOrRemovedRecordsReactionsUpdatedOfItsMessageAndNothingElseDoes()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var (message, _, sent) = await Store.Messages.InsertAsync(DirectMessage(a, b, "react to me"), default);
        var conversationId = message.ConversationId;

        var added = await Store.Reactions.AddAsync(conversationId, message.Id, "👍", b, 20, default);
        var repeated = await Store.Reactions.AddAsync(conversationId, message.Id, "👍", b, 20, default);
        var overCap = await Store.Reactions.AddAsync(conversationId, message.Id, "🎉", a, 1, default);
        var removed = await Store.Reactions.RemoveAsync(conversationId, message.Id, "👍", b, default);
        var removedAgain = await Store.Reactions.RemoveAsync(conversationId, message.Id, "👍", b, default);
        var deleted = await Store.Messages.MarkDeletedAsync(message.Id, Now(), default);
        var onDeleted = await Store.Reactions.AddAsync(conversationId, message.Id, "👍", a, 20, default);

        Assert.Equal([(ReactionChange.Unchanged, (ChangeRecord?)null), (ReactionChange.TooManyEmoji, null), (ReactionChange.Unchanged, null), (ReactionChange.MessageDeleted, null)],
            [repeated, overCap, removedAgain, onDeleted]);
        Assert.Equal((ReactionChange.Added, ReactionChange.Removed), (added.Outcome, removed.Outcome));
        ChangeRecord[] expected = [sent!, added.Change!, removed.Change!, deleted!.Change];
        Assert.Equal(["newMessage", "reactionsUpdated", "reactionsUpdated", "messageDeleted"], expected.Select(c => c.Type));
        Assert.All(expected, c => Assert.Equal((conversationId, message.Id), (c.ConversationId, c.EntityId)));
        Assert.Equal(expected, (await Store.Changes.ReadAfterAsync(conversationId, 0, 10, default)).Where(c => c.Type != ChangeRecord.Nothing));
    }

    [SkippableFact]
    public async Task ConcurrentChangesOfOneConversationGetConsecutiveSequenceNumbersInTimeOrder()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        // Several new conversations at once: their first changes race to create the counter too.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => AppendManyAsync(ConversationIds.Direct(NewId(), NewId()))));

        async Task AppendManyAsync(string conversationId)
        {
            var appended = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Store.Changes.AppendAsync(conversationId, "reactionsUpdated", NewId(), default)));

            var stored = await Store.Changes.ReadAfterAsync(conversationId, 0, 100, default);
            Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), stored.Select(c => c.Seq));
            Assert.True(stored.Zip(stored.Skip(1)).All(p => p.First.At < p.Second.At));
            Assert.Equal(appended.OrderBy(c => c.Seq), stored);
        }
    }

    [SkippableFact]
    public async Task MessagesAreFoundByIdsWithinTheirConversationOnly()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (a, b) = (NewId(), NewId());
        var first = (await Store.Messages.InsertAsync(DirectMessage(a, b, "1"), default)).Message;
        var second = (await Store.Messages.InsertAsync(DirectMessage(b, a, "2"), default)).Message;
        var elsewhere = (await Store.Messages.InsertAsync(DirectMessage(a, NewId(), "3"), default)).Message;

        var found = await Store.Messages.FindByIdsAsync(first.ConversationId, [first.Id, second.Id, elsewhere.Id, "nope"], default);
        Assert.Equal([first, second], found.OrderBy(m => m.Id, StringComparer.Ordinal));
        Assert.Empty(await Store.Messages.FindByIdsAsync(first.ConversationId, [], default));
    }

    [SkippableFact]
    public async Task HealthReportsTheStoreReachable()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        Assert.True(await Store.Health.PingAsync(default));
        Assert.Contains(Store.Health.Name, new[] { "sqlite", "mongodb" });
    }

    // Attachments

    private async Task<AttachmentRecord> UploadAsync(string uploaderId, DateTimeOffset? at = null, string fileName = "photo.png")
    {
        var attachment = new AttachmentRecord(NewId(), uploaderId, fileName, "image/png", null, 1234, null, AttachmentState.Pending, null, null, null, null, at ?? Now());
        await Store.Attachments.InsertAsync(attachment, default);
        return attachment;
    }

    private static AttachmentClaim Claim(AttachmentRecord attachment, AttachmentState state = AttachmentState.Ready) =>
        new(attachment.Id, "image/png", attachment.DeclaredSize, state);

    [SkippableFact]
    public async Task InsertedAttachmentIsFoundByIdAndAmongIds()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var first = await UploadAsync(uploader, fileName: "Ünïcode name.png");
        var second = await UploadAsync(uploader);

        Assert.Equal(first, await Store.Attachments.FindByIdAsync(first.Id, default));
        Assert.Equal(new[] { first, second }.OrderBy(a => a.Id, StringComparer.Ordinal),
            await Store.Attachments.FindByIdsAsync([second.Id, first.Id, NewId(), "nope"], default));
        Assert.Null(await Store.Attachments.FindByIdAsync(NewId(), default));
        Assert.Null(await Store.Attachments.FindByIdAsync("nope", default));
    }

    [SkippableFact]
    public async Task ClaimAttachesEveryAttachmentWithWhatTheSendLearnedFromTheBytes()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var image = await UploadAsync(uploader);
        var file = await UploadAsync(uploader);
        var messageId = NewId();

        Assert.True(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(image, AttachmentState.Processing), new(file.Id, "application/pdf", 99, AttachmentState.Ready)], default));

        var stored = await Store.Attachments.ListForMessagesAsync([messageId, NewId()], default);
        Assert.Equal(2, stored.Count);
        Assert.Equal(image with { MessageId = messageId, SniffedType = "image/png", StoredSize = 1234, State = AttachmentState.Processing }, stored.Single(a => a.Id == image.Id));
        Assert.Equal(file with { MessageId = messageId, SniffedType = "application/pdf", StoredSize = 99, State = AttachmentState.Ready }, stored.Single(a => a.Id == file.Id));
    }

    [SkippableFact]
    public async Task ClaimAttachesNoneWhenOneIsSomeoneElsesOrAttachedAlready()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var mine = await UploadAsync(uploader);
        var theirs = await UploadAsync(NewId());
        var taken = await UploadAsync(uploader);
        var earlier = NewId();
        Assert.True(await Store.Attachments.ClaimAsync(earlier, uploader, [Claim(taken)], default));

        var messageId = NewId();
        Assert.False(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(mine), Claim(theirs)], default));
        Assert.False(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(mine), Claim(taken)], default));

        Assert.Equal(mine, await Store.Attachments.FindByIdAsync(mine.Id, default));
        Assert.Equal(earlier, (await Store.Attachments.FindByIdAsync(taken.Id, default))!.MessageId);
        Assert.Empty(await Store.Attachments.ListForMessagesAsync([messageId], default));
    }

    [SkippableFact]
    public async Task TwoSendsRacingForOneUploadAttachItToExactlyOne()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var attachment = await UploadAsync(uploader);
        var messages = Enumerable.Range(0, 8).Select(_ => NewId()).ToList();

        var results = await Task.WhenAll(messages.Select(m => Store.Attachments.ClaimAsync(m, uploader, [Claim(attachment)], default)));

        Assert.Equal(1, results.Count(won => won));
        var winner = messages[Array.IndexOf(results, true)];
        Assert.Equal(winner, (await Store.Attachments.FindByIdAsync(attachment.Id, default))!.MessageId);
    }

    [SkippableFact]
    public async Task ReleasingAMessagesClaimsMakesItsAttachmentsPendingAgain()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var attachment = await UploadAsync(uploader);
        var messageId = NewId();
        Assert.True(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(attachment)], default));

        await Store.Attachments.ReleaseAsync(messageId, default);

        Assert.Equal(attachment, await Store.Attachments.FindByIdAsync(attachment.Id, default));
        Assert.True(await Store.Attachments.ClaimAsync(NewId(), uploader, [Claim(attachment)], default));
    }

    [SkippableFact]
    public async Task ProcessingCompletesOnceAndOnlyFromProcessing()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var image = await UploadAsync(uploader);
        var pending = await UploadAsync(uploader);
        var messageId = NewId();
        Assert.True(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(image, AttachmentState.Processing)], default));
        Assert.Equal([image.Id], (await Store.Attachments.ListProcessingAsync(10_000, default)).Where(a => a.Id == image.Id).Select(a => a.Id));

        var done = await Store.Attachments.CompleteProcessingAsync(image.Id, AttachmentState.Ready, 640, 480, "thumbs/" + image.Id, default);

        Assert.Equal(image with { MessageId = messageId, SniffedType = "image/png", StoredSize = 1234, State = AttachmentState.Ready, Width = 640, Height = 480, ThumbnailKey = "thumbs/" + image.Id }, done);
        Assert.Null(await Store.Attachments.CompleteProcessingAsync(image.Id, AttachmentState.Failed, null, null, null, default));
        Assert.Null(await Store.Attachments.CompleteProcessingAsync(pending.Id, AttachmentState.Ready, 1, 1, null, default));
        Assert.DoesNotContain(await Store.Attachments.ListProcessingAsync(10_000, default), a => a.Id == image.Id);
    }

    [SkippableFact]
    public async Task DeletingAMessagesAttachmentsReturnsThemAndLeavesOthers()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var attached = await UploadAsync(uploader);
        var other = await UploadAsync(uploader);
        var messageId = NewId();
        Assert.True(await Store.Attachments.ClaimAsync(messageId, uploader, [Claim(attached)], default));

        var deleted = await Store.Attachments.DeleteForMessageAsync(messageId, default);

        Assert.Equal([attached.Id], deleted.Select(a => a.Id));
        Assert.Null(await Store.Attachments.FindByIdAsync(attached.Id, default));
        Assert.Equal(other, await Store.Attachments.FindByIdAsync(other.Id, default));
        Assert.Empty(await Store.Attachments.DeleteForMessageAsync(messageId, default));
    }

    [SkippableFact]
    public async Task UploadsNeverAttachedAreListedAfterTheCutoffAndRemovedOnlyWhileUnattached()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var uploader = NewId();
        var old = Now().AddDays(-400);
        var stale = await UploadAsync(uploader, old);
        var staleButAttached = await UploadAsync(uploader, old.AddSeconds(1));
        var fresh = await UploadAsync(uploader);
        Assert.True(await Store.Attachments.ClaimAsync(NewId(), uploader, [Claim(staleButAttached)], default));

        var listed = await Store.Attachments.ListUnattachedBeforeAsync(old.AddMinutes(1), 10_000, default);

        Assert.Contains(listed, a => a.Id == stale.Id);
        Assert.DoesNotContain(listed, a => a.Id == staleButAttached.Id || a.Id == fresh.Id);
        Assert.True(await Store.Attachments.DeleteUnattachedAsync(stale.Id, default));
        Assert.False(await Store.Attachments.DeleteUnattachedAsync(stale.Id, default));
        Assert.False(await Store.Attachments.DeleteUnattachedAsync(staleButAttached.Id, default));
        Assert.NotNull(await Store.Attachments.FindByIdAsync(staleButAttached.Id, default));
    }
}
