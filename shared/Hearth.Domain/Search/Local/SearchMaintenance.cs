using Hearth.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Search.Local;

/// <summary>Housekeeping for the local index, run by the durable runtime's timers.</summary>
public static class SearchMaintenance
{
    /// <summary>Timer function name.</summary>
    public const string PurgeTimer = "search-purge-deleted";

    /// <summary>
    /// Adds a timer (daily at 03:30 UTC by default) that purges delete tombstones older than <paramref name="retention"/>
    /// (7 days by default) in every collection. A replica away longer than that reloads instead of missing deletes.
    /// Does nothing when the Azure AI Search provider is configured.
    /// </summary>
    public static DurableBuilder AddSearchMaintenance(this DurableBuilder durable, string schedule = "0 30 3 * * *", TimeSpan? retention = null) =>
        durable.AddTimer(PurgeTimer, schedule, async (_, context, ct) =>
        {
            if (context.Services.GetService<PostgresSearchIndex>() is { } index)
                await index.PurgeDeletedAsync(retention ?? TimeSpan.FromDays(7), ct);
        });
}
