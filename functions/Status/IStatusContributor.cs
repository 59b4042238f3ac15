namespace Hearth.Functions.Status;

/// <summary>
/// A feature's line in <c>GET /api/status</c> under <c>providers</c>, e.g. models → <c>{ "chat": "offline" }</c>.
/// Say what is configured (provider names, modes, model names, endpoints' hosts); never keys or passwords.
/// Values of secret settings are redacted from the output anyway.
/// </summary>
public interface IStatusContributor
{
    /// <summary>Key under <c>providers</c> (camelCase, e.g. "models", "search", "images").</summary>
    string Name { get; }

    /// <summary>A JSON-serialisable description for admins; keep it cheap (it runs on every status call).</summary>
    Task<object?> DescribeAsync(CancellationToken ct);

    /// <summary>
    /// What a signed-in user who is not an admin sees: the provider as it serves them, without server internals
    /// (hosts, endpoints, paths, server-wide counts). Null (the default) leaves the provider out of their view.
    /// </summary>
    Task<object?> DescribeForUserAsync(CancellationToken ct) => Task.FromResult<object?>(null);
}

/// <summary>Registration of status contributors.</summary>
public static class StatusContributorExtensions
{
    /// <summary>Adds <typeparamref name="T"/> to <c>/api/status</c>'s providers.</summary>
    public static IServiceCollection AddStatusContributor<T>(this IServiceCollection services) where T : class, IStatusContributor
    {
        services.AddSingleton<IStatusContributor, T>();
        return services;
    }
}
