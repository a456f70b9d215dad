namespace ServerlessChat.Standalone.Limits;

/// <summary>
/// How many connections the host takes at once: HTTP connections and hub connections together fit in the
/// descriptors left after those open at start and <see cref="HostLimitsOptions.ReservedFileDescriptors"/>, and in
/// <see cref="HostLimitsOptions.MemorySharePercent"/> of the available memory.
/// </summary>
public sealed record ConnectionBudget(int HttpConnections, int HubConnections, int UpgradeSlack, HostResources Resources)
{
    /// <summary>Kestrel's own cap on upgraded connections: the hub's budget plus a little room for connections still closing.</summary>
    public int UpgradedConnections => HubConnections + UpgradeSlack;

    public static ConnectionBudget Derive(HostLimitsOptions options, HostResources resources)
    {
        var byMemory = resources.AvailableMemoryBytes / 100 * options.MemorySharePercent / (options.MemoryPerConnectionKib * 1024L);
        var byFiles = resources.OpenFilesLimit is { } limit ? limit - resources.OpenFiles - options.ReservedFileDescriptors : long.MaxValue;
        var total = Math.Min(Math.Min(byMemory, byFiles), int.MaxValue);
        if (total < 2)
        {
            throw new InvalidOperationException(
                $"No room for connections: open-files limit {resources.OpenFilesLimit}, {resources.OpenFiles} open at start, " +
                $"{options.ReservedFileDescriptors} reserved (Limits:ReservedFileDescriptors), {resources.AvailableMemoryBytes / (1024 * 1024)} MB available.");
        }

        var hub = options.MaxHubConnections ?? (int)Math.Max(1, total * options.HubSharePercent / 100);
        var slack = Math.Max(2, hub / 32);
        var http = options.MaxConnections ?? (int)Math.Max(1, total - hub - slack);
        if (http + hub + slack > total)
        {
            throw new InvalidOperationException(
                $"Limits:MaxConnections ({http}) and Limits:MaxHubConnections ({hub}, plus {slack} closing) need more than the {total} " +
                $"connections this process can hold (open-files limit {resources.OpenFilesLimit}, {resources.OpenFiles} open at start, " +
                $"{options.ReservedFileDescriptors} reserved; {resources.AvailableMemoryBytes / (1024 * 1024)} MB available).");
        }

        return new ConnectionBudget(http, hub, slack, resources);
    }
}
