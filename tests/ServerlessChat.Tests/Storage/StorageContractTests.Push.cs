using ServerlessChat.Core.Domain;
using ServerlessChat.Core.Storage;

namespace ServerlessChat.Tests.Storage;

// Web Push subscriptions and mutes: what every adapter promises.
public abstract partial class StorageContractTests
{
    private static string NewEndpoint() => $"https://push.example/{Guid.NewGuid():N}";

    [SkippableFact]
    public async Task PushSubscriptionsAreManyPerUserAndOnePerEndpoint()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (phone, laptop) = (NewEndpoint(), NewEndpoint());

        await Stores.Push.SaveSubscriptionAsync(new(alice, phone, "k1", "a1", Now()), 10, default);
        await Stores.Push.SaveSubscriptionAsync(new(alice, laptop, "k2", "a2", Now().AddMilliseconds(1)), 10, default);
        Assert.Equal([phone, laptop], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));

        // The same browser subscribing for another user moves the endpoint, with its new keys.
        await Stores.Push.SaveSubscriptionAsync(new(bob, phone, "k3", "a3", Now().AddMilliseconds(2)), 10, default);
        Assert.Equal([laptop], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));
        var moved = Assert.Single(await Stores.Push.ListSubscriptionsAsync(bob, default));
        Assert.Equal((bob, phone, "k3", "a3"), (moved.UserId, moved.Endpoint, moved.P256dh, moved.Auth));
    }

    [SkippableFact]
    public async Task APushSubscriptionIsDeletedOnlyByItsUserOrByItsEndpoint()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, mallory) = (NewId(), NewId());
        var (phone, laptop) = (NewEndpoint(), NewEndpoint());
        await Stores.Push.SaveSubscriptionAsync(new(alice, phone, "k1", "a1", Now()), 10, default);
        await Stores.Push.SaveSubscriptionAsync(new(alice, laptop, "k2", "a2", Now().AddMilliseconds(1)), 10, default);

        await Stores.Push.DeleteSubscriptionAsync(mallory, phone, default);
        Assert.Equal(2, (await Stores.Push.ListSubscriptionsAsync(alice, default)).Count);

        await Stores.Push.DeleteSubscriptionAsync(alice, phone, default);
        await Stores.Push.DeleteSubscriptionAsync(alice, phone, default);
        await Stores.Push.DeleteEndpointAsync(laptop, default);
        await Stores.Push.DeleteEndpointAsync(laptop, default);
        Assert.Empty(await Stores.Push.ListSubscriptionsAsync(alice, default));
    }

    [SkippableFact]
    public async Task MutesAreIdempotentAndPerUserAndConversation()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, group) = (NewId(), NewId(), NewId());
        var direct = ConversationIds.Direct(alice, bob);

        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        Assert.True(await Stores.Push.IsMutedAsync(alice, direct, default));
        Assert.False(await Stores.Push.IsMutedAsync(bob, direct, default));
        Assert.False(await Stores.Push.IsMutedAsync(alice, ConversationIds.Group(group), default));

        await Stores.Push.UnmuteAsync(alice, direct, default);
        await Stores.Push.UnmuteAsync(alice, direct, default);
        Assert.False(await Stores.Push.IsMutedAsync(alice, direct, default));
    }

    [SkippableFact]
    public async Task AUsersMutedConversationsAreListedInIdOrderAndOnlyTheirs()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var (direct, group) = (ConversationIds.Direct(alice, bob), ConversationIds.Group(NewId()));
        Assert.Empty(await Stores.Push.ListMutedAsync(alice, default));

        await Stores.Push.MuteAsync(alice, group, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(alice, direct, default);
        await Stores.Push.MuteAsync(bob, group, default);
        Assert.Equal(new[] { direct, group }.Order(StringComparer.Ordinal), await Stores.Push.ListMutedAsync(alice, default));

        await Stores.Push.UnmuteAsync(alice, group, default);
        Assert.Equal([direct], await Stores.Push.ListMutedAsync(alice, default));
        Assert.Equal([group], await Stores.Push.ListMutedAsync(bob, default));
    }

    [SkippableFact]
    public async Task AUserKeepsItsNewestSubscriptionsUpToTheCapAndTheOldestGo()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob) = (NewId(), NewId());
        var start = Now();
        var endpoints = Enumerable.Range(0, 4).Select(_ => NewEndpoint()).ToList();
        for (var i = 0; i < endpoints.Count; i++)
        {
            await Stores.Push.SaveSubscriptionAsync(new(alice, endpoints[i], "k", "a", start.AddMilliseconds(i)), 3, default);
        }
        var bobs = NewEndpoint();
        await Stores.Push.SaveSubscriptionAsync(new(bob, bobs, "k", "a", start), 3, default);

        Assert.Equal(endpoints[1..], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));
        // Saving the oldest again makes it the newest: the next oldest goes instead.
        await Stores.Push.SaveSubscriptionAsync(new(alice, endpoints[1], "k", "a", start.AddMilliseconds(10)), 3, default);
        Assert.Equal([endpoints[2], endpoints[3], endpoints[1]], (await Stores.Push.ListSubscriptionsAsync(alice, default)).Select(s => s.Endpoint));
        Assert.Equal([bobs], (await Stores.Push.ListSubscriptionsAsync(bob, default)).Select(s => s.Endpoint));
    }

    [SkippableFact]
    public async Task ABurstOfSubscriptionsEndsWithTheCapsNewest()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        for (var round = 0; round < 5; round++)
        {
            var alice = NewId();
            var start = Now();
            var saved = Enumerable.Range(0, 25).Select(i => new PushSubscriptionRecord(alice, NewEndpoint(), "k", "a", start.AddMilliseconds(i))).ToList();
            await Task.WhenAll(saved.Select(s => Task.Run(() => Stores.Push.SaveSubscriptionAsync(s, 10, default))));

            var kept = await Stores.Push.ListSubscriptionsAsync(alice, default);
            Assert.Equal(saved[^10..].Select(s => s.Endpoint), kept.Select(s => s.Endpoint));
        }
    }

    [SkippableFact]
    public async Task SubscriptionsAndMutesOfManyUsersAreReadTogether()
    {
        Skip.If(Skipped, MongoStorageFixture.SkipReason);
        var (alice, bob, carol) = (NewId(), NewId(), NewId());
        var conversation = ConversationIds.Group(NewId());
        var start = Now();
        var (a1, a2, b1, c1) = (NewEndpoint(), NewEndpoint(), NewEndpoint(), NewEndpoint());
        await Stores.Push.SaveSubscriptionAsync(new(alice, a1, "k", "a", start), 10, default);
        await Stores.Push.SaveSubscriptionAsync(new(alice, a2, "k", "a", start.AddMilliseconds(1)), 10, default);
        await Stores.Push.SaveSubscriptionAsync(new(bob, b1, "k", "a", start), 10, default);
        await Stores.Push.SaveSubscriptionAsync(new(carol, c1, "k", "a", start), 10, default);
        await Stores.Push.MuteAsync(bob, conversation, default);
        await Stores.Push.MuteAsync(carol, ConversationIds.Group(NewId()), default);

        var listed = await Stores.Push.ListSubscriptionsAsync([alice, bob, "not-an-id"], default);
        Assert.Equal([a1, a2], listed.Where(s => s.UserId == alice).Select(s => s.Endpoint));
        Assert.Equal([b1], listed.Where(s => s.UserId == bob).Select(s => s.Endpoint));
        Assert.Equal(3, listed.Count);
        Assert.Empty(await Stores.Push.ListSubscriptionsAsync([], default));

        Assert.Equal([bob], await Stores.Push.FindMutedAsync(conversation, [alice, bob, carol, "not-an-id"], default));
        Assert.Empty(await Stores.Push.FindMutedAsync(conversation, [], default));
    }
}
