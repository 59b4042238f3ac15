namespace Hearth.Search.Local;

/// <summary>A <see cref="SearchFilter"/> as a SQL condition over <c>search.documents</c>, with numbered parameters.</summary>
internal static class FilterSql
{
    public static (string Where, object[] Values) Build(SearchFilter filter, int firstParameter)
    {
        var clauses = new List<string>();
        var values = new List<object>();
        void Add(string clause, object value)
        {
            values.Add(value);
            // The parameter is the clause's last '@' (the tag clause's operator '@>' has one too).
            var at = clause.LastIndexOf('@');
            clauses.Add(clause[..at] + "$" + (firstParameter + values.Count - 1) + clause[(at + 1)..]);
        }
        Add("owner_id = @::uuid", filter.Owner);
        if (filter.Agent is not null) Add("agent = @", filter.Agent);
        if (filter.Session is not null) Add("session = @", filter.Session);
        if (filter.Domains is { Count: > 0 }) Add("domain = any(@)", filter.Domains.ToArray());
        if (filter.Kinds is { Count: > 0 }) Add("kind = any(@)", filter.Kinds.ToArray());
        if (filter.CreatedFrom is { } from) Add("created_at >= @", from.UtcDateTime);
        if (filter.CreatedTo is { } to) Add("created_at < @", to.UtcDateTime);
        if (filter.Tags is { Count: > 0 }) Add("tags @> @", filter.Tags.ToArray());
        return (string.Join(" and ", clauses), values.ToArray());
    }
}
