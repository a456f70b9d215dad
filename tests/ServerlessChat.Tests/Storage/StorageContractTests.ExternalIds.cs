using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

public abstract partial class StorageContractTests
{
    [SkippableFact]
    public async Task AUserWithAnExternalIdIsFoundByItExactlyAndOthersHaveNone()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var externalId = $"https://issuer.example/|{Unique("Sub")}";
        var user = NewUser() with { ExternalId = externalId };
        Assert.Equal(CreateUserOutcome.Created, await Store.Users.CreateAsync(user, default));
        var local = await CreateUserAsync();

        Assert.Equal(user, await Store.Users.FindByExternalIdAsync(externalId, default));
        Assert.Equal(user, await Store.Users.FindByIdAsync(user.Id, default));
        Assert.Null(await Store.Users.FindByExternalIdAsync(externalId.ToUpperInvariant(), default));
        Assert.Null((await Store.Users.FindByIdAsync(local.Id, default))!.ExternalId);
    }

    [SkippableFact]
    public async Task OfABurstOfCreatesWithOneExternalIdExactlyOneCreatesAndTheOthersAnswerExternalIdTaken()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 10; round++)
        {
            var externalId = Unique("ext");
            // Some candidates also share a username, so the external id must win over a username clash.
            var candidates = Enumerable.Range(0, 12)
                .Select(i => NewUser(i % 3 == 0 ? $"{externalId}x" : null) with { ExternalId = externalId })
                .ToList();

            var outcomes = await Task.WhenAll(candidates.Select(c => Task.Run(() => Store.Users.CreateAsync(c, default))));

            Assert.Equal(1, outcomes.Count(o => o == CreateUserOutcome.Created));
            Assert.All(outcomes.Where(o => o != CreateUserOutcome.Created), o => Assert.Equal(CreateUserOutcome.ExternalIdTaken, o));
            var winner = candidates[Array.IndexOf(outcomes, CreateUserOutcome.Created)];
            Assert.Equal(winner, await Store.Users.FindByExternalIdAsync(externalId, default));
            foreach (var loser in candidates.Where(c => c != winner))
            {
                Assert.Null(await Store.Users.FindByIdAsync(loser.Id, default));
            }
        }
    }

    [SkippableFact]
    public async Task ManyUsersWithoutAnExternalIdCoexist()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var first = await CreateUserAsync();
        var second = await CreateUserAsync();

        Assert.Null((await Store.Users.FindByIdAsync(first.Id, default))!.ExternalId);
        Assert.Null((await Store.Users.FindByIdAsync(second.Id, default))!.ExternalId);
    }

    [SkippableFact]
    public async Task AnAccountUpdateSetsTheGivenFieldsOrNothingWhenOneIsTaken()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var user = await CreateUserAsync();
        var other = await CreateUserAsync();
        var at = Now().AddSeconds(5);
        var name = Unique("Renamed");

        Assert.Equal(UpdateUserOutcome.Updated, await Store.Users.UpdateAccountAsync(user.Id, new UserAccountChange(DisplayName: "New Name", Username: name), at, default));
        var renamed = user with { Username = name, DisplayName = "New Name", UpdatedAt = at };
        Assert.Equal(renamed, await Store.Users.FindByIdAsync(user.Id, default));
        Assert.Equal(renamed, await Store.Users.FindByUsernameAsync(name.ToLowerInvariant(), default));

        Assert.Equal(UpdateUserOutcome.UsernameTaken, await Store.Users.UpdateAccountAsync(user.Id, new UserAccountChange(Username: other.Username.ToUpperInvariant(), DisplayName: "Nope"), at.AddSeconds(1), default));
        Assert.Equal(UpdateUserOutcome.EmailTaken, await Store.Users.UpdateAccountAsync(user.Id, new UserAccountChange(Email: other.Email, DisplayName: "Nope"), at.AddSeconds(1), default));
        Assert.Equal(renamed, await Store.Users.FindByIdAsync(user.Id, default));

        var email = $"{Unique("mail")}@example.test";
        Assert.Equal(UpdateUserOutcome.Updated, await Store.Users.UpdateAccountAsync(user.Id, new UserAccountChange(Email: email), at.AddSeconds(2), default));
        Assert.Equal(renamed with { Email = email, UpdatedAt = at.AddSeconds(2) }, await Store.Users.FindByEmailAsync(email, default));
        Assert.Equal(UpdateUserOutcome.NotFound, await Store.Users.UpdateAccountAsync(NewId(), new UserAccountChange(DisplayName: "x"), at, default));
    }

    [SkippableFact]
    public async Task OfABurstOfUpdatesToOneUsernameExactlyOneUserGetsIt()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var users = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CreateUserAsync()));
            var name = Unique("wanted");

            var outcomes = await Task.WhenAll(users.Select(u => Task.Run(() => Store.Users.UpdateAccountAsync(u.Id, new UserAccountChange(Username: name), Now(), default))));

            Assert.Equal(1, outcomes.Count(o => o == UpdateUserOutcome.Updated));
            Assert.All(outcomes.Where(o => o != UpdateUserOutcome.Updated), o => Assert.Equal(UpdateUserOutcome.UsernameTaken, o));
            var holder = users[Array.IndexOf(outcomes, UpdateUserOutcome.Updated)];
            Assert.Equal(holder.Id, (await Store.Users.FindByUsernameAsync(name, default))!.Id);
        }
    }
}
