using System.Globalization;
using Hearth.Search;

namespace Hearth.Adapters.AzureSearch;

/// <summary>A <see cref="SearchFilter"/> as an OData <c>$filter</c> over the collection index's fields.</summary>
internal static class ODataFilter
{
    public static string Build(SearchFilter filter)
    {
        filter.Validate();
        var clauses = new List<string> { Eq(AzureSearchSchema.Owner, filter.Owner) };
        if (filter.Agent is not null) clauses.Add(Eq(AzureSearchSchema.Agent, filter.Agent));
        if (filter.Session is not null) clauses.Add(Eq(AzureSearchSchema.Session, filter.Session));
        if (filter.Domains is { Count: > 0 }) clauses.Add(AnyOf(AzureSearchSchema.Domain, filter.Domains));
        if (filter.Kinds is { Count: > 0 }) clauses.Add(AnyOf(AzureSearchSchema.Kind, filter.Kinds));
        if (filter.CreatedFrom is { } from) clauses.Add($"{AzureSearchSchema.CreatedAt} ge {Date(from)}");
        if (filter.CreatedTo is { } to) clauses.Add($"{AzureSearchSchema.CreatedAt} lt {Date(to)}");
        foreach (var tag in filter.Tags ?? [])
            clauses.Add($"{AzureSearchSchema.Tags}/any(t: t eq {Quote(tag)})");
        return string.Join(" and ", clauses);
    }

    public static string Eq(string field, string value) => $"{field} eq {Quote(value)}";

    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string AnyOf(string field, IEnumerable<string> values) =>
        "(" + string.Join(" or ", values.Select(v => Eq(field, v))) + ")";
}
