using System.Net;
using ServerlessChat.Core.Egress;
using ServerlessChat.Core.Push;
using ServerlessChat.Tests.Infrastructure;

namespace ServerlessChat.Tests.Push;

/// <summary>
/// The one classification of addresses the server may connect to for a user-named target: every IPv4 special
/// range, every IPv6 block outside global unicast, and the IPv6 forms that carry an IPv4 address judged by it.
/// </summary>
public sealed class NetworkAddressesTests
{
    [Theory]
    // IPv4 special-purpose ranges.
    [InlineData("0.1.2.3")]
    [InlineData("10.0.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.0.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.1")]
    [InlineData("203.0.113.1")]
    [InlineData("224.0.0.1")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 special addresses and blocks outside global unicast.
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("100::1")]                      // discard-only 100::/64
    [InlineData("5f00::1")]                     // SRv6 SIDs
    [InlineData("fc00::1")]                     // unique local fc00::/7
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]                     // link-local
    [InlineData("fec0::1")]                     // site-local, deprecated
    [InlineData("ff02::1")]                     // multicast
    [InlineData("ff0e::1")]
    [InlineData("2001:db8::1")]                 // documentation
    [InlineData("3fff::1")]                     // documentation (RFC 9637)
    [InlineData("2001:2::1")]                   // benchmarking, in 2001::/23
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]   // Teredo 2001::/32
    [InlineData("2001::a9fe:a9fe")]
    [InlineData("64:ff9b:1::a9fe:a9fe")]        // local-use NAT64 64:ff9b:1::/48
    // IPv6 forms carrying a private IPv4 address.
    [InlineData("::ffff:192.168.0.1")]          // mapped
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:0:a9fe:a9fe")]          // SIIT (IPv4-translated) to 169.254.169.254
    [InlineData("::ffff:0:7f00:1")]
    [InlineData("::10.0.0.1")]                  // IPv4-compatible
    [InlineData("::a9fe:a9fe")]
    [InlineData("64:ff9b::a9fe:a9fe")]          // NAT64 to 169.254.169.254
    [InlineData("64:ff9b::7f00:1")]             // NAT64 to 127.0.0.1
    [InlineData("64:ff9b::a00:1")]              // NAT64 to 10.0.0.1
    [InlineData("2002:7f00:1::")]               // 6to4 via 127.0.0.1
    [InlineData("2002:a9fe:a9fe::1")]           // 6to4 via 169.254.169.254
    [InlineData("2002:c0a8:1::1")]              // 6to4 via 192.168.0.1
    public void NonPublicAddressesAreNotPublic(string address) =>
        Assert.False(NetworkAddresses.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]              // mapped public
    [InlineData("::ffff:0:808:808")]            // SIIT public
    [InlineData("64:ff9b::808:808")]            // NAT64 to a public address
    [InlineData("2002:808:808::1")]             // 6to4 via a public relay address
    public void PublicAddressesArePublic(string address) =>
        Assert.True(NetworkAddresses.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("::ffff:0:a01:203", "10.1.2.3")]
    [InlineData("::a01:203", "10.1.2.3")]
    [InlineData("64:ff9b::a01:203", "10.1.2.3")]
    [InlineData("2002:a01:203:1::5", "10.1.2.3")]
    public void TheEmbeddedIPv4AddressIsDecoded(string address, string embedded) =>
        Assert.Equal(IPAddress.Parse(embedded), NetworkAddresses.EmbeddedIPv4(IPAddress.Parse(address)));

    [Fact]
    public async Task SubscriptionsToAddressesThatReachPrivateSpaceThroughIPv6AreRefused()
    {
        await using var pushService = await LocalPushService.StartAsync();
        var (publicKey, privateKey) = VapidKeys.Generate();
        await using var host = await StandaloneHost.StartAsync(new Dictionary<string, string?>
        {
            ["Push__VapidPublicKey"] = publicKey,
            ["Push__VapidPrivateKey"] = privateKey,
        });
        var bob = await ChatApiClient.RegisterAsync(host.Client, "nat64");
        var keys = pushService.NewSubscription();
        string[] endpoints =
        [
            "https://[64:ff9b::a9fe:a9fe]/push/x",
            "https://[64:ff9b::7f00:1]/push/x",
            "https://[64:ff9b:1::a00:1]/push/x",
            "https://[2002:7f00:1::]/push/x",
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/push/x",
            "https://[::ffff:0:a9fe:a9fe]/push/x",
            "https://[::a9fe:a9fe]/push/x",
            "https://[fec0::1]/push/x",
            "https://[100::1]/push/x",
            "https://[2001:db8::1]/push/x",
        ];
        foreach (var endpoint in endpoints)
        {
            var response = await bob.PostAsync("api/push/subscriptions", new { endpoint, keys = new { p256dh = keys.P256dh, auth = keys.Auth } });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint}: {response.StatusCode}");
        }
    }
}
