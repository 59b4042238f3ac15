using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Durable;
using Hearth.Durable.Jobs;
using Hearth.Durable.Migrations;
using Hearth.Durable.Tasks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Functions.Status;

/// <summary>
/// <c>GET /api/status</c>. Admins: version, database, jobs by state and queue server-wide, dead jobs, next timer runs, what
/// runs here, providers. Everyone else: version, whether the database answers, their own jobs, and the providers that
/// serve them (no hosts, endpoints, paths or other users' work).
/// </summary>
public static class StatusApi
{
    private static readonly DateTimeOffset StartedAt = DateTimeOffset.UtcNow;

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/status", GetStatusAsync).WithName("GetStatus").WithTags("Status")
            .WithSummary("Admins: version, database, job counts, dead jobs, next timer runs and configured providers (never secrets). Others: their own jobs and the providers that serve them.");
        return app;
    }

    public sealed record StatusResponse(
        string Scope,
        string Version,
        string Environment,
        DateTimeOffset StartedAt,
        DatabaseStatus Database,
        JobsStatus? Jobs,
        IReadOnlyList<TimerStatus>? Timers,
        IReadOnlyList<string> Functions,
        IReadOnlyList<string> Orchestrations,
        IReadOnlyDictionary<string, JsonNode?> Providers);

    public sealed record DatabaseStatus(bool Reachable, bool MigrationsDone, string? Error = null);

    /// <summary>Counts by state (all queues), by queue and state, and the dead (poison) jobs.</summary>
    public sealed record JobsStatus(IReadOnlyDictionary<string, long> ByState, IReadOnlyList<JobCount> ByQueue, long Dead);

    public static async Task<Ok<StatusResponse>> GetStatusAsync(
        CurrentUser user,
        IDurableInfo durable,
        TaskRegistry tasks,
        IJobClient jobs,
        DatabaseReadiness readiness,
        NpgsqlDataSource db,
        IEnumerable<IStatusContributor> contributors,
        SettingsRegistry settings,
        IConfiguration configuration,
        IHostEnvironment environment,
        IOptions<JsonOptions> json,
        ILoggerFactory loggers,
        CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(StatusApi).FullName!);
        JobsStatus? jobStatus = null;
        IReadOnlyList<TimerStatus>? timers = null;
        string? databaseError = null;
        try
        {
            var counts = user.IsAdmin ? await jobs.CountAsync(ct) : await jobs.CountForOwnerAsync(user.Id, ct);
            jobStatus = new JobsStatus(
                counts.GroupBy(c => c.State).ToDictionary(g => g.Key.ToString(), g => g.Sum(c => c.Count)),
                counts,
                counts.Where(c => c.State == JobState.Dead).Sum(c => c.Count));
            if (user.IsAdmin) timers = await durable.TimersAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning("Status could not read the database: {Error}", e.Message);
            databaseError = "The database does not answer.";
        }

        var secrets = Redaction.SecretsOf(settings, configuration);
        var providers = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var contributor in contributors)
        {
            JsonNode? described;
            try
            {
                var description = user.IsAdmin ? await contributor.DescribeAsync(ct) : await contributor.DescribeForUserAsync(ct);
                if (description is null && !user.IsAdmin) continue;
                described = JsonSerializer.SerializeToNode(description, json.Value.SerializerOptions);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Status contributor {Name} failed", contributor.Name);
                described = JsonValue.Create("unavailable");
            }
            providers[contributor.Name] = Redaction.Redact(described, secrets);
        }

        return TypedResults.Ok(new StatusResponse(
            user.IsAdmin ? "admin" : "user",
            Version,
            environment.EnvironmentName,
            StartedAt,
            new DatabaseStatus(databaseError is null, readiness.IsReady, databaseError),
            jobStatus,
            timers,
            user.IsAdmin ? durable.Functions.Order(StringComparer.Ordinal).ToList() : [],
            user.IsAdmin ? tasks.Orchestrators.Keys.Order(StringComparer.Ordinal).ToList() : [],
            providers));
    }

    /// <summary>The informational version of the host (e.g. 0.1.0+commit).</summary>
    public static string Version { get; } =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(StatusApi).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}

/// <summary>Removes the values of secret settings from anything shown to users (belt and braces under "never secrets").</summary>
internal static class Redaction
{
    public const string Mask = "[redacted]";

    public static IReadOnlyList<string> SecretsOf(SettingsRegistry settings, IConfiguration configuration)
    {
        var values = settings.SecretValues(configuration).ToList();
        // A connection string's password can show up on its own.
        if (configuration.GetConnectionString("Postgres") is { Length: > 0 } connection)
        {
            try
            {
                if (new NpgsqlConnectionStringBuilder(connection).Password is { Length: > 0 } password) values.Add(password);
            }
            catch (ArgumentException) { }
        }
        return values.Where(v => v.Length >= 4).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();
    }

    public static JsonNode? Redact(JsonNode? node, IReadOnlyList<string> secrets)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList()) obj[key] = Redact(value?.DeepClone(), secrets);
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) array[i] = Redact(array[i]?.DeepClone(), secrets);
                return array;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                foreach (var secret in secrets)
                {
                    // Short secrets only as whole values: masking every "dev" inside other words would garble the output.
                    if (text == secret || (secret.Length >= 8 && text.Contains(secret, StringComparison.Ordinal)))
                        text = secret.Length >= 8 ? text.Replace(secret, Mask, StringComparison.Ordinal) : Mask;
                }
                return JsonValue.Create(text);
            default:
                return node;
        }
    }
}
