using System.Runtime.InteropServices;

namespace Hearth.Adapters.LocalModels;

/// <summary>
/// CPU time the calling thread has used (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, about 0.1 µs), so the
/// embedder can say what its work costs in CPU rather than in wall time, which under load counts the waits for a core.
/// Null where the platform has no such clock here.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static readonly bool Supported = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>The calling thread's CPU time so far, in ticks (100 ns), or null.</summary>
    public static long? Now()
    {
        if (!Supported || ClockGetTime(ClockThreadCpuTimeId, out var time) != 0) return null;
        return time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100;
    }
}
