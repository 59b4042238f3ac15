using Hearth.Durable.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Timers;

/// <summary>
/// Fires timer-triggered functions. Each occurrence is claimed by one compare-and-set on its schedule row, in the same
/// transaction that enqueues the run, so any number of hosts fire it once. A schedule whose previous run is unfinished
/// is not claimed (no overlap). A host that is more than <see cref="DurableOptions.PastDueThreshold"/> late (downtime,
/// a long previous run) collapses the missed occurrences into one run with IsPastDue.
/// </summary>
internal sealed class TimerScheduler(
    NpgsqlDataSource db,
    DurableRegistry registry,
    IOptions<DurableOptions> optionsAccessor,
    DatabaseReadiness readiness,
    TimeProvider time,
    ILogger<TimerScheduler> logger) : BackgroundService
{
    private readonly DurableOptions _options = optionsAccessor.Value;
    private Dictionary<string, CronSchedule> _schedules = [];

    /// <summary>The effective schedules (code, overridden by host.json), by function name.</summary>
    public IReadOnlyDictionary<string, CronSchedule> Schedules => _schedules;

    /// <summary>Parses every schedule; throws naming the function whose expression is invalid.</summary>
    public void Validate() => _schedules = Resolve(registry, _options);

    internal static Dictionary<string, CronSchedule> Resolve(DurableRegistry registry, DurableOptions options)
    {
        var schedules = new Dictionary<string, CronSchedule>(StringComparer.Ordinal);
        foreach (var timer in registry.Timers.Values)
        {
            var expression = options.Schedules.TryGetValue(timer.Name, out var overridden) ? overridden : timer.Schedule;
            try
            {
                schedules[timer.Name] = CronSchedule.Parse(expression);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException($"Timer function '{timer.Name}': {e.Message}", e);
            }
        }
        return schedules;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunTimers || registry.Timers.Count == 0) return;
        try
        {
            Validate();
            await readiness.WaitAsync(stoppingToken);
            await RegisterAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var next = await FireDueAsync(stoppingToken);
                var wait = next - time.GetUtcNow();
                if (wait > _options.MaxPollingInterval) wait = _options.MaxPollingInterval;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning("Timer scheduling failed: {Message}", e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Records each schedule; a changed expression restarts its sequence from now.</summary>
    private async Task RegisterAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var (name, schedule) in _schedules)
        {
            await using var command = db.CreateCommand("""
                insert into durable.schedules (name, cron, next_run_at, updated_at) values (@name, @cron, @next, @now)
                on conflict (name) do update
                set cron = excluded.cron, updated_at = excluded.updated_at,
                    next_run_at = case when durable.schedules.cron = excluded.cron then durable.schedules.next_run_at else excluded.next_run_at end
                """);
            command.Parameters.AddWithValue("name", name);
            command.Parameters.AddWithValue("cron", schedule.Expression);
            command.Parameters.AddWithValue("next", schedule.NextAfter(now));
            command.Parameters.AddWithValue("now", now);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Claims and enqueues every due occurrence; returns when the next one is due.</summary>
    private async Task<DateTimeOffset> FireDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var due = new List<(string Name, DateTimeOffset NextRunAt)>();
        var earliest = now + _options.MaxPollingInterval;
        await using (var read = db.CreateCommand("select name, next_run_at from durable.schedules where name = any(@names)"))
        {
            read.Parameters.AddWithValue("names", _schedules.Keys.ToArray());
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var nextRunAt = reader.GetFieldValue<DateTimeOffset>(1);
                if (nextRunAt <= now) due.Add((reader.GetString(0), nextRunAt));
                else if (nextRunAt < earliest) earliest = nextRunAt;
            }
        }

        foreach (var (name, occurrence) in due)
        {
            var schedule = _schedules[name];
            var pastDue = now - occurrence > _options.PastDueThreshold;
            // On time (or slightly late): the next occurrence follows this one. Far behind: skip to the future, run once.
            var next = pastDue ? schedule.NextAfter(now) : schedule.NextAfter(occurrence);
            var info = new TimerInfo(occurrence, pastDue, next);
            await using var claim = db.CreateCommand("""
                with claimed as (
                    update durable.schedules s set next_run_at = @next, last_run_at = @occurrence, updated_at = @now
                    where s.name = @name and s.next_run_at = @occurrence
                      and not exists (select 1 from durable.jobs j where j.queue = @name and j.kind = 0 and j.state in ('ready', 'running'))
                    returning s.name
                )
                insert into durable.jobs (queue, kind, payload, max_attempts, unique_key, run_at, created_at)
                select @name, 0, @payload::jsonb, 1, @name, @now, @now from claimed
                on conflict do nothing
                returning id
                """);
            claim.Parameters.AddWithValue("name", name);
            claim.Parameters.AddWithValue("next", next);
            claim.Parameters.AddWithValue("occurrence", occurrence);
            claim.Parameters.AddWithValue("now", now);
            claim.Parameters.AddWithValue("payload", DurableJson.Serialize(info));
            var id = await claim.ExecuteScalarAsync(ct);
            if (id is long jobId)
                logger.LogInformation("Timer {Function} fired for {Occurrence:o} (job {JobId}, past due: {IsPastDue})", name, occurrence, jobId, pastDue);
            if (next < earliest) earliest = next;
        }
        return earliest;
    }
}
