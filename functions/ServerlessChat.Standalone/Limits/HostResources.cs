using System.Globalization;

namespace ServerlessChat.Standalone.Limits;

/// <summary>The limits this process runs under, as the kernel and the GC see them.</summary>
public sealed record HostResources(long? OpenFilesLimit, int OpenFiles, long AvailableMemoryBytes)
{
    /// <summary>Reads the soft RLIMIT_NOFILE from /proc/self/limits, counts /proc/self/fd, and asks the GC for the memory it may use (cgroup-aware).</summary>
    public static HostResources Current() =>
        new(ReadOpenFilesLimit(), CountOpenFiles(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    private static long? ReadOpenFilesLimit()
    {
        const string path = "/proc/self/limits";
        if (!File.Exists(path))
        {
            return null;
        }

        // "Max open files            1024                 1048576              files"
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
            }
        }

        return null;
    }

    private static int CountOpenFiles()
    {
        const string path = "/proc/self/fd";
        return Directory.Exists(path) ? Directory.EnumerateFileSystemEntries(path).Count() : 0;
    }
}
