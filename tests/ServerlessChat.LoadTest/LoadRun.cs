using System.Diagnostics;
using System.Globalization;

namespace ServerlessChat.LoadTest;

/// <summary>
/// One open-loop run: sends a fixed number of messages at a fixed rate whatever the answers do, and records every
/// arrival. A message's content carries the run, its sequence number, its sender and its send timestamp, so the
/// recipients (in this same process) measure send-to-arrival on the same <see cref="Stopwatch"/> clock.
/// Given who each message is for (a slot per recipient), a run counts every (message, recipient) pair: a second
/// arrival is a duplicate, an arrival at someone it is not for a misdelivery, a pair never reached a loss.
/// Without it, only the number of arrivals per message is checked.
/// </summary>
internal sealed class LoadRun
{
    private static readonly LoadRun?[] Runs = new LoadRun?[1024];
    private static int s_lastId;
    private static long s_strays;

    private readonly Func<LoadRun, int, Task<bool>> _send;
    private readonly int[] _delivered;
    private readonly Func<int, int, int>? _slot;
    private readonly int[]? _receipts;
    private readonly bool[] _acknowledged;
    private readonly float[] _latencies;
    private readonly float[] _answers;
    private int _latencyCount;
    private int _deliveries;
    private int _duplicates;
    private int _misdelivered;
    private int _acknowledgedCount;
    private int _errors;
    private int _skipped;
    private int _inFlight;
    private long _start;
    private long _lastArrival;

    /// <param name="slot">
    /// Optional: for message seq and a receiving user, the recipient's slot in [0, fanout), or -1 if the message
    /// is not for that user.
    /// </param>
    public LoadRun(double rate, TimeSpan duration, int fanout, int maxInFlight, Func<LoadRun, int, Task<bool>> send, Func<int, int, int>? slot = null)
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
        _slot = slot;
        _receipts = slot is null ? null : new int[Total * fanout];
        _answers = new float[Total];
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

        int index;
        if (run._slot is { } slotOf)
        {
            var slot = slotOf(seq, receiver);
            if (slot < 0)
            {
                Interlocked.Increment(ref run._misdelivered);
                return;
            }

            // Latencies by (message, recipient), so that each recipient's own percentiles can be read.
            index = seq * run.Fanout + slot;
            if (Interlocked.Increment(ref run._receipts![index]) > 1)
            {
                Interlocked.Increment(ref run._duplicates);
                return;
            }

            Interlocked.Increment(ref run._delivered[seq]);
            Interlocked.Increment(ref run._latencyCount);
        }
        else
        {
            if (Interlocked.Increment(ref run._delivered[seq]) > run.Fanout)
            {
                Interlocked.Increment(ref run._duplicates);
                return;
            }

            index = Interlocked.Increment(ref run._latencyCount) - 1;
        }

        Interlocked.Increment(ref run._deliveries);
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

        // Every answer (a request times out after 30 s), then every delivery of the acknowledged messages.
        var deadline = Stopwatch.GetTimestamp() + 35 * Stopwatch.Frequency;
        while (Volatile.Read(ref _inFlight) > 0 && Stopwatch.GetTimestamp() < deadline)
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

        float[] latencies;
        var worstRecipientP99 = double.NaN;
        if (_receipts is not null)
        {
            latencies = _latencies.Where((_, k) => Volatile.Read(ref _receipts[k]) > 0).ToArray();
            worstRecipientP99 = Enumerable.Range(0, Fanout).Select(slot =>
            {
                var mine = Enumerable.Range(0, Total).Where(seq => _receipts[seq * Fanout + slot] > 0).Select(seq => _latencies[seq * Fanout + slot]).ToArray();
                Array.Sort(mine);
                return Percentile(mine, 0.99);
            }).Where(p => !double.IsNaN(p)).DefaultIfEmpty(double.NaN).Max();
        }
        else
        {
            latencies = _latencies.AsSpan(0, Math.Min(Volatile.Read(ref _latencyCount), _latencies.Length)).ToArray();
        }

        Array.Sort(latencies);
        var answers = _answers.Where((_, seq) => _acknowledged[seq]).ToArray();
        Array.Sort(answers);
        var lastArrival = Math.Max(Interlocked.Read(ref _lastArrival), sendEnd);
        var active = Stopwatch.GetElapsedTime(_start, lastArrival).TotalSeconds;
        return new RunResult(
            Rate, Fanout, Total, _acknowledgedCount, _errors, _skipped, _deliveries, _duplicates, lost,
            _deliveries / active, Percentile(latencies, 0.50), Percentile(latencies, 0.99), Percentile(latencies, 1.0),
            Percentile(answers, 0.50), Percentile(answers, 0.99),
            wall, cpuBefore.Zip(cpuAfter, (before, after) => ProcStats.Seconds(after - before)).ToArray(),
            ProcStats.Seconds(machineAfter.Busy - machineBefore.Busy), _misdelivered, worstRecipientP99);
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
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (await _send(this, seq))
            {
                _answers[seq] = (float)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
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
/// What a run measured. Latencies are send to arrival; <see cref="AnswerP50"/> and <see cref="AnswerP99"/> send to
/// the sender's acknowledgement. <see cref="CpuSeconds"/> is per watched process (server, then this client),
/// <see cref="MachineCpuSeconds"/> for everything running, over the <see cref="Wall"/> seconds of the run.
/// <see cref="Misdelivered"/> and <see cref="WorstRecipientP99"/> (the highest of the recipients' own p99s) are
/// known only for a run that knows each message's recipients.
/// </summary>
internal sealed record RunResult(
    double Rate, int Fanout, int Sent, int Acknowledged, int Errors, int Skipped, int Deliveries, int Duplicates, long Lost,
    double DeliveriesPerSecond, double P50, double P99, double Max, double AnswerP50, double AnswerP99,
    double Wall, double[] CpuSeconds, double MachineCpuSeconds, int Misdelivered = 0, double WorstRecipientP99 = double.NaN)
{
    /// <summary>In percent of one core (200 is the whole of a 2-core machine).</summary>
    public double[] Cpu => CpuSeconds.Select(s => s / Wall * 100).ToArray();

    public double MachineCpu => MachineCpuSeconds / Wall * 100;

    /// <summary>Server CPU time per acknowledged message, in microseconds: what a message costs the server, which
    /// the other processes on the machine change far less than they change latency.</summary>
    public double ServerMicrosPerMessage => Acknowledged == 0 ? double.NaN : CpuSeconds[0] * 1e6 / Acknowledged;

    /// <summary>Server CPU time per delivery to a recipient, in microseconds.</summary>
    public double ServerMicrosPerDelivery => Deliveries == 0 ? double.NaN : CpuSeconds[0] * 1e6 / Deliveries;

    /// <summary>This load client's CPU time per delivery, in microseconds: receiving and parsing each event (and sending).</summary>
    public double ClientMicrosPerDelivery => Deliveries == 0 ? double.NaN : CpuSeconds[1] * 1e6 / Deliveries;

    public bool Holds(double p99Limit) =>
        Errors == 0 && Skipped == 0 && Lost == 0 && Duplicates == 0 && Misdelivered == 0 && P99 <= p99Limit
        && DeliveriesPerSecond >= 0.9 * Rate * Fanout;
}
