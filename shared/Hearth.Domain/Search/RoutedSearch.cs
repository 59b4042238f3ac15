namespace Hearth.Search;

/// <summary>The hits of a routed search and the domains that were searched (for "which memory was used").</summary>
public sealed record RoutedSearchResult(IReadOnlyList<SearchHit> Hits, IReadOnlyList<DomainMatch> Domains, bool FellBack);

/// <summary>
/// Searches where the <see cref="DomainRouter"/> points: each winning domain's collection, narrowed to the winning
/// domains; several collections are merged by Reciprocal Rank Fusion of their rankings. When no domain wins, or the
/// winners find nothing, the general domain's collection is searched without a domain filter.
/// </summary>
public sealed class RoutedSearch(SearchService search, DomainRouter router)
{
    public async Task<RoutedSearchResult> SearchAsync(string text, SearchMode mode, int k, SearchFilter filter, CancellationToken ct)
    {
        var route = router.Route(text);
        if (route is [{ Name: DomainRouter.General }])
            return new RoutedSearchResult(await search.SearchAsync(route[0].Collection, text, mode, k, filter, ct), route, true);

        var lists = new List<IReadOnlyList<SearchHit>>();
        foreach (var group in route.GroupBy(m => m.Collection))
        {
            var narrowed = filter with { Domains = group.Select(m => m.Name).ToList() };
            lists.Add(await search.SearchAsync(group.Key, text, mode, k, narrowed, ct));
        }
        var hits = lists.Count == 1 ? lists[0] : Merge(lists, k);
        if (hits.Count > 0) return new RoutedSearchResult(hits, route, false);
        return new RoutedSearchResult(await search.SearchAsync(router.Fallback.Collection, text, mode, k, filter, ct), [router.Fallback], true);
    }

    private static List<SearchHit> Merge(List<IReadOnlyList<SearchHit>> lists, int k)
    {
        // Keys carry the list (collection) index: the same id may exist in two collections.
        var keyed = lists.Select((list, i) => (IReadOnlyList<(int, string)>)list.Select(h => (i, h.Id)).ToList()).ToList();
        var byKey = lists.SelectMany((list, i) => list.Select(h => (Key: (i, h.Id), Hit: h))).ToDictionary(p => p.Key, p => p.Hit);
        return ReciprocalRankFusion.Fuse(keyed).Take(k).Select(f => byKey[f.Key] with { Score = f.Score }).ToList();
    }
}
