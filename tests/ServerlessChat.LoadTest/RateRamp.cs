namespace ServerlessChat.LoadTest;

/// <summary>
/// Finds the highest rate that holds: from the start rate up by <see cref="Factor"/> while each short step holds,
/// or down by it until one does if the first does not.
/// </summary>
internal static class RateRamp
{
    /// <summary>The step between rates tried: 1.5 by default, <c>--ramp-factor</c> for a finer search (more steps).</summary>
    public static double Factor { get; set; } = 1.5;

    /// <summary>The best rate that held, or the last one tried if none did; <paramref name="step"/> runs one rate and says whether it held.</summary>
    public static async Task<double> FindAsync(double start, int maxSteps, Func<double, Task<bool>> step)
    {
        double? best = null;
        var rate = start;
        var up = true;
        for (var i = 0; i < maxSteps; i++)
        {
            var holds = await step(rate);
            if (i == 0 && !holds)
            {
                up = false;
            }

            if (holds)
            {
                best = Math.Max(best ?? 0, rate);
                if (!up)
                {
                    break;
                }
            }
            else if (up)
            {
                break;
            }

            if (holds && i == maxSteps - 1)
            {
                Console.WriteLine("   (ramp stopped at --max-steps while still holding: the best rate is a lower bound)");
            }

            rate = Math.Max(1, Math.Round(up ? rate * Factor : rate / Factor));
        }

        return best ?? rate;
    }
}
