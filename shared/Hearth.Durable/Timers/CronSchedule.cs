using NCrontab;

namespace Hearth.Durable.Timers;

/// <summary>A six-field NCRONTAB expression (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>), evaluated in UTC.</summary>
public sealed class CronSchedule
{
    private readonly CrontabSchedule _schedule;

    private CronSchedule(string expression, CrontabSchedule schedule)
    {
        Expression = expression;
        _schedule = schedule;
    }

    public string Expression { get; }

    /// <summary>Parses or throws with a message naming the expression and the six fields.</summary>
    public static CronSchedule Parse(string expression)
    {
        var schedule = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        if (schedule is null)
            throw new FormatException($"'{expression}' is not a six-field NCRONTAB expression ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}), e.g. '0 */15 * * * *'.");
        return new CronSchedule(expression, schedule);
    }

    /// <summary>First occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after)
    {
        var utc = after.UtcDateTime;
        var next = _schedule.GetNextOccurrence(utc, utc.AddYears(5));
        return new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc));
    }
}
