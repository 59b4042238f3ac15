using Hearth.Durable.Migrations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hearth.Functions.Hosting;

/// <summary><c>/healthz</c> (liveness: the process answers) and <c>/readyz</c> (the database answers and migrations are done). Anonymous.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Alive).WithName("Liveness").WithSummary("The process is alive.").WithTags("Health").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithName("Readiness").WithSummary("The database is reachable and migrated.").WithTags("Health")
            .AllowAnonymous();
        return app;
    }

    /// <summary>The body of both probes.</summary>
    public sealed record HealthResponse(string Status, bool? DatabaseReachable = null, bool? MigrationsDone = null);

    public static Ok<HealthResponse> Alive() => TypedResults.Ok(new HealthResponse("alive"));

    public static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> ReadyAsync(DatabaseReadiness readiness, NpgsqlDataSource db, CancellationToken ct)
    {
        var reachable = await CanQueryAsync(db, ct);
        var migrated = readiness.IsReady;
        if (reachable && migrated) return TypedResults.Ok(new HealthResponse("ready", true, true));
        var detail = !reachable ? "The database does not answer." : "Migrations are not applied yet.";
        return Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, detail,
            new Dictionary<string, object?> { ["databaseReachable"] = reachable, ["migrationsDone"] = migrated });
    }

    private static async Task<bool> CanQueryAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = db.CreateCommand("select 1");
            return await command.ExecuteScalarAsync(timeout.Token) is 1;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
