using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Hosting;

/// <summary>How much long-running work one user may have going at once (issue 18: one user cannot starve the others).</summary>
[SettingsSection("Fairness")]
public sealed class FairnessSettings
{
    [Setting("Most orchestrations (skill ingests, imports, pictures, life slots) one user may have pending or running; a route that would start another answers 429 too-many-active. 0 turns the cap off.")]
    [System.ComponentModel.DataAnnotations.Range(0, 10_000)]
    public int MaxActiveOrchestrationsPerUser { get; set; } = 20;

    [Setting("Most companions one user may have; creating another answers 409 too-many-agents. 0 turns the cap off.")]
    [System.ComponentModel.DataAnnotations.Range(0, 100_000)]
    public int MaxAgentsPerUser { get; set; } = 100;
}

/// <summary>
/// An endpoint filter for routes that start an orchestration: when the caller already has
/// <see cref="FairnessSettings.MaxActiveOrchestrationsPerUser"/> pending or running, the route answers 429
/// <c>too-many-active</c> (with <c>active</c>, <c>limit</c> and a Retry-After to look again) and starts nothing.
/// Attach with <c>.RequireActiveWorkLimit()</c>.
/// </summary>
public sealed class ActiveWorkLimit(IOptions<FairnessSettings> fairness, IOrchestrationClient orchestrations) : IEndpointFilter
{
    /// <summary>When to look again: work finishes at its own pace, so this is a polling hint, not a promise.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limit = fairness.Value.MaxActiveOrchestrationsPerUser;
        if (limit == 0 || Identity.CurrentUser.From(http.User) is not { } user) return await next(context);
        var active = 0;
        foreach (var status in new[] { OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running })
        {
            if (active >= limit) break;
            var page = await orchestrations.ListAsync(new OrchestrationQuery(Status: status, Owner: user.Id, Limit: limit - active), http.RequestAborted);
            active += page.Items.Count;
        }
        if (active < limit) return await next(context);
        http.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Create(StatusCodes.Status429TooManyRequests, ProblemTypes.TooManyActive,
            $"You have {active} runs going (the most is {limit}); start more when one finishes (each answers a statusUrl).",
            new Dictionary<string, object?> { ["active"] = active, ["limit"] = limit, ["retryAfterSeconds"] = (int)RetryAfter.TotalSeconds });
    }
}

public static class ActiveWorkLimitExtensions
{
    public static TBuilder RequireActiveWorkLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ActiveWorkLimit>();
}
