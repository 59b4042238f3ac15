using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Timers;

namespace Hearth.Search.Local;

/// <summary>Housekeeping for the local index, run by the durable runtime's timers.</summary>
public static class SearchMaintenance
{
    /// <summary>Timer function name.</summary>
    public const string PurgeTimer = "search-purge-deleted";

    /// <summary>
    /// Adds a timer (daily at 03:30 UTC by default) that purges delete tombstones older than <see cref="PurgeDeletedTimer.Retention"/>
    /// (7 days) in every collection. A replica away longer than that reloads instead of missing deletes.
    /// Does nothing when the Azure AI Search provider is configured.
    /// </summary>
    public static DurableBuilder AddSearchMaintenance(this DurableBuilder durable, string schedule = "0 30 3 * * *") =>
        durable.AddTimer<PurgeDeletedTimer>(PurgeTimer, schedule);
}

/// <summary><c>search-purge-deleted</c>: purges the local index's old delete tombstones (nothing to do for Azure AI Search).</summary>
public sealed class PurgeDeletedTimer(SearchService search) : ITimerFunction
{
    /// <summary>How long a delete tombstone is kept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public async Task RunAsync(TimerInfo timer, JobContext context, CancellationToken ct)
    {
        if (search.Index is PostgresSearchIndex index) await index.PurgeDeletedAsync(Retention, ct);
    }
}
