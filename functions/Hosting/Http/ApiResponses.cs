namespace Hearth.Functions.Hosting;

/// <summary>A page of a list: <c>{ "items": [...], "nextCursor": "..." }</c>; pass nextCursor back as <c>?cursor=</c> (null on the last page).</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Work that runs later: 202 with <c>{ "id", "statusUrl" }</c> and a Location header.</summary>
public sealed record AcceptedResponse(string Id, string StatusUrl);

/// <summary>Paging parameters shared by list endpoints.</summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The page size, or the field error when it is outside 1..200.</summary>
    public static bool TryLimit(int? requested, out int limit, out (string Field, string Error) error)
    {
        limit = requested ?? DefaultLimit;
        error = ("limit", $"must be between 1 and {MaxLimit}");
        return limit is >= 1 and <= MaxLimit;
    }
}
