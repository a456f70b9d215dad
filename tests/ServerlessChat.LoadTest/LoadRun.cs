using System.Diagnostics;
using System.Globalization;

namespace ServerlessChat.LoadTest;

/// <summary>
/// One open-loop run: sends a fixed number of messages at a fixed rate whatever the answers do, and records every
/// arrival. A message's content carries the run, its sequence number, its sender and its send timestamp, so the
/// recipients (in this same process) measure send-to-arrival on the same <see cref="Stopwatch"/> clock.
/// </summary>
internal sealed class LoadRun
{
    private static readonly LoadRun?[] Runs = new LoadRun?[1024];
    private static int s_lastId;
    private static long s_strays;

    private readonly Func<LoadRun, int, Task<bool>> _send;
    private readonly int[] _delivered;
    private readonly bool[] _acknowledged;
    private readonly float[] _latencies;
    private int _latencyCount;
    private int _deliveries;
    private int _duplicates;
    private int _acknowledgedCount;
    private int _errors;
    private int _skipped;
    private int _inFlight;
    private long _start;
    private long _lastArrival;

    public LoadRun(double rate, TimeSpan duration, int fanout, int maxInFlight, Func<LoadRun, int, Task<bool>> send)
    {
        Id = Interlocked.Increment(ref s_lastId);
        Rate = rate;
        Duration = duration;
        Fanout = fanout;
        MaxInFlight = maxInFlight;
        Total = (int)Math.Round(rate * duration.TotalSeconds);
        _send = send;
        _delivered = new int[Total];
        _acknowledged = new bool[Total];
        _latencies = new float[Total * fanout];
        Runs[Id] = this;
    }

    public int Id { get; }

    public double Rate { get; }

    public TimeSpan Duration { get; }

    /// <summary>Deliveries per message to users other than its sender (1 direct, members - 1 for a group).</summary>
    public int Fanout { get; }

    public int MaxInFlight { get; }

    public int Total { get; }

    /// <summary>Arrivals whose content names no known run: would mean a corrupted or foreign message.</summary>
    public static long Strays => Interlocked.Read(ref s_strays);

    /// <summary>The content for message <paramref name="seq"/>, stamped now.</summary>
    public string Content(int seq, int sender) =>
        string.Create(CultureInfo.InvariantCulture, $"lt {Id} {seq} {sender} {Stopwatch.GetTimestamp()}");

    /// <summary>Called on every newMessage a user's connection receives.</summary>
    public static void Arrive(string content, int receiver)
    {
        var now = Stopwatch.GetTimestamp();
        var rest = content.AsSpan();
        if (!rest.StartsWith("lt "))
        {
            Interlocked.Increment(ref s_strays);
            return;
        }

        rest = rest[3..];
        var runId = (int)Next(ref rest);
        var seq = (int)Next(ref rest);
        var sender = (int)Next(ref rest);
        var sentAt = Next(ref rest);
        if (runId <= 0 || runId >= Runs.Length || Runs[runId] is not { } run || seq < 0 || seq >= run.Total)
        {
            Interlocked.Increment(ref s_strays);
            return;
        }

        // The sender's own connection gets its message too (the app's "sender's other connections"); it is not
        // a delivery to someone else.
        if (sender == receiver)
        {
            return;
        }

        if (Interlocked.Increment(ref run._delivered[seq]) > run.Fanout)
        {
            Interlocked.Increment(ref run._duplicates);
            return;
        }

        Interlocked.Increment(ref run._deliveries);
        var index = Interlocked.Increment(ref run._latencyCount) - 1;
        if (index < run._latencies.Length)
        {
            run._latencies[index] = (float)Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds;
        }

        run._lastArrival = now;
    }

    /// <summary>
    /// Sends at <see cref="Rate"/> for <see cref="Duration"/> from <paramref name="pacers"/> tasks, each issuing
    /// whatever its share of the schedule says is due at every tick, without waiting for earlier answers. A send
    /// that would exceed <see cref="MaxInFlight"/> is skipped and counted: the rate then does not hold.
    /// Then waits for the answers and, up to <paramref name="grace"/>, for the deliveries.
    /// </summary>
    public async Task<RunResult> ExecuteAsync(int pacers, TimeSpan grace, IReadOnlyList<int> processIds)
    {
        var cpuBefore = processIds.Select(ProcStats.CpuTicks).ToArray();
        var machineBefore = ProcStats.MachineTicks();
        _start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, pacers).Select(k => Task.Run(() => PaceAsync(k, pacers))));
        var sendEnd = Stopwatch.GetTimestamp();

        // Every answer, then every delivery of the acknowledged messages, each bounded.
        var deadline = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _inFlight) > 0 && Stopwatch.GetTimestamp() < deadline + 30 * Stopwatch.Frequency)
        {
            await Task.Delay(10);
        }

        deadline = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _deliveries) < (long)Volatile.Read(ref _acknowledgedCount) * Fanout && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10);
        }

        var cpuAfter = processIds.Select(ProcStats.CpuTicks).ToArray();
        var machineAfter = ProcStats.MachineTicks();
        var wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;

        long lost = 0;
        for (var seq = 0; seq < Total; seq++)
        {
            if (_acknowledged[seq])
            {
                lost += Math.Max(0, Fanout - Volatile.Read(ref _delivered[seq]));
            }
        }

        var count = Math.Min(Volatile.Read(ref _latencyCount), _latencies.Length);
        var latencies = _latencies.AsSpan(0, count).ToArray();
        Array.Sort(latencies);
        var lastArrival = Math.Max(Interlocked.Read(ref _lastArrival), sendEnd);
        var active = Stopwatch.GetElapsedTime(_start, lastArrival).TotalSeconds;
        return new RunResult(
            Rate, Fanout, Total, _acknowledgedCount, _errors, _skipped, _deliveries, _duplicates, lost,
            _deliveries / active, Percentile(latencies, 0.50), Percentile(latencies, 0.99), Percentile(latencies, 1.0),
            cpuBefore.Zip(cpuAfter, (before, after) => ProcStats.CorePercent(after - before, wall)).ToArray(),
            ProcStats.CorePercent(machineAfter.Busy - machineBefore.Busy, wall));
    }

    private async Task PaceAsync(int k, int pacers)
    {
        var rate = Rate / pacers;
        var mine = (Total - k + pacers - 1) / pacers;
        long issued = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(2));
        while (issued < mine && await timer.WaitForNextTickAsync())
        {
            var due = Math.Min(mine, (long)(Stopwatch.GetElapsedTime(_start).TotalSeconds * rate) + 1);
            for (; issued < due; issued++)
            {
                var seq = (int)(issued * pacers + k);
                if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
                {
                    Interlocked.Decrement(ref _inFlight);
                    Interlocked.Increment(ref _skipped);
                    continue;
                }

                _ = SendAsync(seq);
            }
        }
    }

    private async Task SendAsync(int seq)
    {
        try
        {
            if (await _send(this, seq))
            {
                _acknowledged[seq] = true;
                Interlocked.Increment(ref _acknowledgedCount);
            }
            else
            {
                Interlocked.Increment(ref _errors);
            }
        }
        catch (Exception)
        {
            // Refused or failed sends are reported as errors; the run goes on, as a real client's would.
            Interlocked.Increment(ref _errors);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static long Next(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOf(' ');
        var token = end < 0 ? rest : rest[..end];
        rest = end < 0 ? [] : rest[(end + 1)..];
        return long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : -1;
    }

    private static double Percentile(float[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// What a run measured. <see cref="Cpu"/> is per watched process, in percent of one core over the run (200 is the
/// whole of this 2-core machine); <see cref="MachineCpu"/> the same for everything running.
/// </summary>
internal sealed record RunResult(
    double Rate, int Fanout, int Sent, int Acknowledged, int Errors, int Skipped, int Deliveries, int Duplicates, long Lost,
    double DeliveriesPerSecond, double P50, double P99, double Max, double[] Cpu, double MachineCpu)
{
    public bool Holds(double p99Limit) =>
        Errors == 0 && Skipped == 0 && Lost == 0 && Duplicates == 0 && P99 <= p99Limit
        && DeliveriesPerSecond >= 0.9 * Rate * Fanout;
}
