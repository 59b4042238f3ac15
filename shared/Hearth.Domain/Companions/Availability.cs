using System.Globalization;

namespace Hearth.Companions;

/// <summary>What an agent is doing at a given time of its week.</summary>
public enum AvailabilityState
{
    Free,
    Working,
    Asleep,
}

/// <summary>
/// One block of a weekly schedule in the agent's time zone: on <see cref="Days"/> from <see cref="From"/> to
/// <see cref="To"/> ("HH:mm"). A block whose end is not after its start runs past midnight into the next day.
/// </summary>
/// <param name="Days">Three-letter day names: mon, tue, wed, thu, fri, sat, sun.</param>
public sealed record AvailabilityBlock(IReadOnlyList<string> Days, string From, string To, AvailabilityState State);

/// <summary>A weekly schedule; times not covered by a block are free. The first block that covers a time wins.</summary>
public sealed record WeeklyAvailability(IReadOnlyList<AvailabilityBlock> Blocks)
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private static readonly string[] AllDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private static readonly string[] WorkDays = ["mon", "tue", "wed", "thu", "fri"];

    /// <summary>Asleep 23:00–07:00 every night, working 09:00–17:00 on weekdays, free otherwise.</summary>
    public static WeeklyAvailability Default { get; } = new([
        new AvailabilityBlock(AllDays, "23:00", "07:00", AvailabilityState.Asleep),
        new AvailabilityBlock(WorkDays, "09:00", "17:00", AvailabilityState.Working),
    ]);

    /// <summary>The state at a local (agent time zone) date and time.</summary>
    public AvailabilityState StateAt(DateTime local)
    {
        var minute = local.Hour * 60 + local.Minute;
        var today = DayNames[(int)local.DayOfWeek];
        var yesterday = DayNames[((int)local.DayOfWeek + 6) % 7];
        foreach (var block in Blocks)
        {
            var from = Minutes(block.From);
            var to = Minutes(block.To);
            if (from < to)
            {
                if (block.Days.Contains(today) && minute >= from && minute < to) return block.State;
            }
            else
            {
                // Overnight: the evening part belongs to the listed day, the early-morning part to the day after it.
                if (block.Days.Contains(today) && minute >= from) return block.State;
                if (block.Days.Contains(yesterday) && minute < to) return block.State;
            }
        }
        return AvailabilityState.Free;
    }

    /// <summary>Field errors (empty when valid).</summary>
    public IEnumerable<(string Field, string Error)> Validate()
    {
        if (Blocks is null) yield return ("availability", "must be a list of blocks");
        else
        {
            if (Blocks.Count > 50) yield return ("availability", "must have at most 50 blocks");
            for (var i = 0; i < Blocks.Count; i++)
            {
                var block = Blocks[i];
                var field = $"availability[{i}]";
                if (block is null) { yield return (field, "must not be null"); continue; }
                if (block.Days is null || block.Days.Count == 0 || block.Days.Any(d => !AllDays.Contains(d)))
                    yield return ($"{field}.days", "must list days as mon, tue, wed, thu, fri, sat, sun");
                if (!IsTime(block.From)) yield return ($"{field}.from", "must be a time HH:mm");
                if (!IsTime(block.To)) yield return ($"{field}.to", "must be a time HH:mm");
                if (!Enum.IsDefined(block.State)) yield return ($"{field}.state", "must be free, working or asleep");
            }
        }
    }

    private static bool IsTime(string? text) =>
        text is not null && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static int Minutes(string text)
    {
        var time = TimeOnly.ParseExact(text, "HH:mm", CultureInfo.InvariantCulture);
        return time.Hour * 60 + time.Minute;
    }
}
