using Hearth.Testing.Host;
using System.Net.Http.Json;
using Hearth.Durable.Migrations;
using Hearth.Functions.Hosting;
using Hearth.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Hearth.Functions.Tests;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_is_503_until_migrations_are_done_then_200()
    {
        await using var db = await TestPostgres.CreateDataSourceAsync();
        var readiness = new DatabaseReadiness();

        var before = await HealthApi.ReadyAsync(readiness, db, CancellationToken.None);
        var problem = Assert.IsType<ProblemHttpResult>(before.Result);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.StatusCode);
        Assert.Equal(ProblemTypes.Unavailable, problem.ProblemDetails.Type);
        Assert.Equal(false, problem.ProblemDetails.Extensions["migrationsDone"]);
        Assert.Equal(true, problem.ProblemDetails.Extensions["databaseReachable"]);

        readiness.MarkReady();
        var after = await HealthApi.ReadyAsync(readiness, db, CancellationToken.None);
        var ok = Assert.IsType<Ok<HealthApi.HealthResponse>>(after.Result);
        Assert.Equal("ready", ok.Value!.Status);
    }

    [Fact]
    public async Task Readyz_is_503_when_the_database_does_not_answer()
    {
        var port = HostProcess.FreePort(); // nothing listens there
        await using var db = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=x;Password=y;Timeout=2");
        var readiness = new DatabaseReadiness();
        readiness.MarkReady();

        var result = await HealthApi.ReadyAsync(readiness, db, CancellationToken.None);

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, problem.StatusCode);
        Assert.Equal(false, problem.ProblemDetails.Extensions["databaseReachable"]);
    }
}
