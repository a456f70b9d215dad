using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServerlessChat.Core.Storage;

/// <summary>
/// The one place relative data paths in settings (the SQLite file, the email pickup folder, the Development
/// signing key) are resolved. By default against the host's content root, which suits the standalone host. A
/// host whose own folder must stay untouched (the Functions app: its content root is the deployed package,
/// read-only in Azure, and under <c>func start</c> a new folder there recycles the worker) calls
/// <see cref="KeepDataOutsideTheApp"/>, and relative paths then resolve against <c>Storage:DataRoot</c>, or
/// the per-machine default of <see cref="DefaultOutsideTheApp"/>.
/// </summary>
public sealed class DataPaths
{
    public const string Product = "serverlesschat";

    public DataPaths(IHostEnvironment environment, IOptions<StorageOptions> storage, IOptions<DataPathsOptions> policy)
    {
        var configured = storage.Value.DataRoot;
        var fallback = policy.Value.OutsideTheApp ? DefaultOutsideTheApp(Environment.GetEnvironmentVariable) : environment.ContentRootPath;
        Root = string.IsNullOrWhiteSpace(configured) ? fallback : Path.GetFullPath(configured, fallback);
    }

    /// <summary>The folder relative data paths are resolved against.</summary>
    public string Root { get; }

    public string Resolve(string path) => Path.GetFullPath(path, Root);

    /// <summary>
    /// In Azure App Service / Functions (<c>WEBSITE_INSTANCE_ID</c> or <c>WEBSITE_SITE_NAME</c> set), the
    /// persistent, writable <c>$HOME/data/serverlesschat</c>; on a workstation the user's local application
    /// data folder (<c>%LOCALAPPDATA%</c>, <c>~/.local/share</c>) + <c>serverlesschat</c>.
    /// </summary>
    public static string DefaultOutsideTheApp(Func<string, string?> environmentVariable)
    {
        ArgumentNullException.ThrowIfNull(environmentVariable);
        var inAzure = !string.IsNullOrEmpty(environmentVariable("WEBSITE_INSTANCE_ID")) || !string.IsNullOrEmpty(environmentVariable("WEBSITE_SITE_NAME"));
        if (inAzure && environmentVariable("HOME") is { Length: > 0 } home)
        {
            return Path.Combine(home, "data", Product);
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), Product);
    }
}

public sealed class DataPathsOptions
{
    /// <summary>Relative data paths never resolve inside the app's own folder (see <see cref="DataPaths"/>).</summary>
    public bool OutsideTheApp { get; set; }
}

public static class DataPathsRegistration
{
    /// <summary>Opt-in for hosts whose content root must never be written to: the Functions app.</summary>
    public static IHostApplicationBuilder KeepDataOutsideTheApp(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<DataPathsOptions>(options => options.OutsideTheApp = true);
        return builder;
    }
}
