using Microsoft.Extensions.Hosting;

namespace ServerlessChat.Core.Storage;

public static class DataPaths
{
    /// <summary>Relative paths in settings are relative to the host's content root, not to the working directory.</summary>
    public static string Resolve(IHostEnvironment environment, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(environment.ContentRootPath, path));
}
