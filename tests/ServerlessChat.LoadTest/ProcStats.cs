using System.Globalization;

namespace ServerlessChat.LoadTest;

/// <summary>CPU and memory of processes from Linux's /proc.</summary>
internal static class ProcStats
{
    // USER_HZ: the unit of the CPU times in /proc, 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time of a process so far, in ticks; 0 once it is gone.</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces; fields 14 and 15 follow it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Busy (not idle, not waiting for I/O) ticks of all CPUs together.</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var total = values.Sum();
        return (total - values[3] - values[4], total);
    }

    public static double Seconds(long ticks) => ticks / TicksPerSecond;

    /// <summary>Peak resident memory (VmHWM) of a process in MB.</summary>
    public static double PeakMegabytes(int pid) => StatusKilobytes(pid, "VmHWM:") / 1024.0;

    public static double ResidentMegabytes(int pid) => StatusKilobytes(pid, "VmRSS:") / 1024.0;

    private static long StatusKilobytes(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
