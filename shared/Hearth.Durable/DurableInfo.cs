using Hearth.Durable.Timers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable;

/// <summary>What the job runtime can tell about itself for a status page: declared schedules and their next runs.</summary>
public interface IDurableInfo
{
    /// <summary>Timer functions with their effective schedule and next run.</summary>
    Task<IReadOnlyList<TimerStatus>> TimersAsync(CancellationToken ct = default);

    /// <summary>Names of the queue-triggered and timer-triggered functions this process runs.</summary>
    IReadOnlyCollection<string> Functions { get; }
}

/// <summary>One timer function's schedule and next run (null before the scheduler registered it).</summary>
public sealed record TimerStatus(string Name, string Schedule, DateTimeOffset? NextRunAt, DateTimeOffset? LastRunAt);

internal sealed class DurableInfo(NpgsqlDataSource db, DurableRegistry registry, IOptions<DurableOptions> options) : IDurableInfo
{
    public IReadOnlyCollection<string> Functions => registry.Handlers.Keys.ToList();

    public async Task<IReadOnlyList<TimerStatus>> TimersAsync(CancellationToken ct = default)
    {
        var schedules = TimerScheduler.Resolve(registry, options.Value);
        var stored = new Dictionary<string, (DateTimeOffset Next, DateTimeOffset? Last)>();
        await using (var command = db.CreateCommand("select name, next_run_at, last_run_at from durable.schedules"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                stored[reader.GetString(0)] = (reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
        }
        return schedules.Select(s => stored.TryGetValue(s.Key, out var row)
                ? new TimerStatus(s.Key, s.Value.Expression, row.Next, row.Last)
                : new TimerStatus(s.Key, s.Value.Expression, null, null))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
    }
}
