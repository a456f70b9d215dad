using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace ServerlessChat.Core.RateLimiting;

/// <summary>
/// The network a request comes from, as limits count it: an IPv4 address, or the /64 of an IPv6 address. One
/// IPv6 subscriber is handed a whole /64 (often more), so counting single IPv6 addresses would give each client
/// 2^64 fresh budgets.
/// </summary>
public static class SourceNetwork
{
    public static string Of(HttpContext context, bool trustForwardedFor)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (trustForwardedFor)
        {
            var forwarded = context.Request.Headers["X-Forwarded-For"].ToString();
            var last = forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            if (last is not null && IPEndPoint.TryParse(last, out var endpoint))
            {
                return Of(endpoint.Address);
            }
        }

        return context.Connection.RemoteIpAddress is { } address ? Of(address) : "unknown";
    }

    public static string Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
