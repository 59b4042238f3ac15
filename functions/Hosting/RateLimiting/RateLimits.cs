using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Hearth.Functions.Hosting;

/// <summary>
/// Named per-user rate limits. Attach one to an endpoint or group with <c>.RequireRateLimiting(RateLimits.Chat)</c>.
/// Each is a sliding log per signed-in user (per client address when anonymous): at most PermitLimit requests in any
/// Window, configurable as <c>RateLimits:&lt;Name&gt;:PermitLimit</c> (0 turns it off) and <c>RateLimits:&lt;Name&gt;:Window</c>
/// ("hh:mm:ss"). Over the limit the caller gets 429 rate-limited with the true wait in Retry-After and in the problem.
/// </summary>
public static class RateLimits
{
    /// <summary>Chat turns: 30 per minute.</summary>
    public const string Chat = "Chat";

    /// <summary>Picture requests (pictures and base portraits): 10 per minute.</summary>
    public const string Pictures = "Pictures";

    /// <summary>Companions created: 20 per minute (each may start a base portrait).</summary>
    public const string Agents = "Agents";

    /// <summary>Bulk skill ingests (each an orchestration over up to thousands of files): 20 per minute.</summary>
    public const string SkillIngest = "SkillIngest";

    /// <summary>Life slots run by hand (each an orchestration): 20 per minute.</summary>
    public const string LifeTicks = "LifeTicks";

    /// <summary>Session summaries asked for (each a model job): 20 per minute.</summary>
    public const string Summaries = "Summaries";

    /// <summary>Skill edits that store a version and queue its index jobs (file upload, section replace, compose, checkin): 120 per minute.</summary>
    public const string SkillEdits = "SkillEdits";

    /// <summary>
    /// Declares a named limit with its defaults (a feature module calls this for a limit of its own;
    /// <see cref="Chat"/> and <see cref="Pictures"/> are declared by the host).
    /// </summary>
    public static IServiceCollection AddRateLimit(this IServiceCollection services, string name, int permitLimit, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitLimit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        services.AddSettingsCheck((configuration, _isDevelopment) => Read(configuration, name, permitLimit, window, out _));
        // The limits are read once from the final configuration, and time comes from the host's TimeProvider (tests move it).
        services.AddOptions<RateLimiterOptions>().Configure<IConfiguration, TimeProvider>((options, configuration, time) =>
        {
            Read(configuration, name, permitLimit, window, out var limit);
            options.AddPolicy(name, context => limit.PermitLimit == 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.Get(PartitionKey(context), _ => new SlidingLogRateLimiter(limit.PermitLimit, limit.Window, time)));
        });
        return services;
    }

    internal static void AddHearthRateLimiter(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Problems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited,
                    $"Too many requests; try again in {seconds} s.", new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
            };
        });
        services.AddRateLimit(Chat, 30, TimeSpan.FromMinutes(1));
        services.AddRateLimit(Pictures, 10, TimeSpan.FromMinutes(1));
        // Every other route that starts work (issue 18: one user must not flood the shared queue).
        services.AddRateLimit(Agents, 20, TimeSpan.FromMinutes(1));
        services.AddRateLimit(SkillIngest, 20, TimeSpan.FromMinutes(1));
        services.AddRateLimit(LifeTicks, 20, TimeSpan.FromMinutes(1));
        services.AddRateLimit(Summaries, 20, TimeSpan.FromMinutes(1));
        services.AddRateLimit(SkillEdits, 120, TimeSpan.FromMinutes(1)); // an editor saving every second stays under it
    }

    private static string PartitionKey(HttpContext context) =>
        context.User.FindFirst(Identity.HearthClaims.UserId)?.Value is { } user
            ? "user:" + user
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static IEnumerable<SettingProblem> Read(IConfiguration configuration, string name, int defaultPermits, TimeSpan defaultWindow, out (int PermitLimit, TimeSpan Window) limit)
    {
        var problems = new List<SettingProblem>();
        var permits = defaultPermits;
        var window = defaultWindow;
        var permitKey = $"RateLimits:{name}:PermitLimit";
        var windowKey = $"RateLimits:{name}:Window";
        if (!SettingsBinder.TryRead(configuration, permitKey, typeof(int), out var p, out var present, out var error))
            problems.Add(SettingProblem.Invalid(permitKey, error!));
        else if (present && (int)p! < 0)
            problems.Add(SettingProblem.Invalid(permitKey, "must be 0 (off) or more"));
        else if (present)
            permits = (int)p!;
        if (!SettingsBinder.TryRead(configuration, windowKey, typeof(TimeSpan), out var w, out present, out error))
            problems.Add(SettingProblem.Invalid(windowKey, error!));
        else if (present && (TimeSpan)w! <= TimeSpan.Zero)
            problems.Add(SettingProblem.Invalid(windowKey, "must be longer than zero"));
        else if (present)
            window = (TimeSpan)w!;
        limit = (permits, window);
        return problems;
    }
}
