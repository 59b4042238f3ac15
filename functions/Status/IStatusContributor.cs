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

    /// <summary>A JSON-serialisable description; keep it cheap (it runs on every status call).</summary>
    Task<object?> DescribeAsync(CancellationToken ct);
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
