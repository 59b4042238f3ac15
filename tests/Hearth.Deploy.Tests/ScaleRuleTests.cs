using Hearth.Deploy.Tests.Deployment;
using Hearth.Deploy.Tests.Support;
using Hearth.Durable;
using Hearth.Durable.Migrations;
using Hearth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hearth.Deploy.Tests;

/// <summary>
/// Scale to zero must not strand work: the KEDA rule's query, run on the durable runtime's real schema, counts the jobs
/// that are due or running and the timer occurrences about to fire; and the platform waits for the host to drain.
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class ScaleRuleTests(RealHost host)
{
    private static string Query => ScaleChecks.DurableWorkRule(Template.App)!.Metadata["query"];

    /// <summary>A database with the durable runtime's tables, migrated by the runtime's own registered migrations.</summary>
    private static async Task<NpgsqlDataSource> DurableDatabaseAsync()
    {
        var services = new ServiceCollection();
        services.AddDurable();
        using var provider = services.BuildServiceProvider();
        var db = await TestPostgres.CreateDataSourceAsync();
        await Migrator.ApplyAsync(db, provider.GetServices<MigrationSource>(), NullLogger.Instance, CancellationToken.None);
        return db;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string query)
    {
        await using var command = db.CreateCommand(query);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public void The_app_scales_on_HTTP_and_on_durable_work_with_min_and_max_replicas_as_parameters()
    {
        Assert.Empty(ScaleChecks.Rules(Template.App));
        var scale = Assert.IsType<Text.BicepObject>(Template.Documents.Single(d => d.Path.EndsWith(Template.AppBicep, StringComparison.Ordinal))
            .Resources("Microsoft.App/containerApps").Single().Body.At("properties.template.scale"));
        Assert.Equal("minReplicas", scale.Text("minReplicas"));
        Assert.Equal("maxReplicas", scale.Text("maxReplicas"));
    }

    [Theory]
    [InlineData("type: 'postgresql'", "type: 'mysql'", "No postgresql scale rule")]
    [InlineData("http: {", "tcp: {", "No HTTP scale rule")]
    [InlineData("activationTargetQueryValue: '0'", "activationTargetQueryValue: '5'", "activates above 5")]
    [InlineData("triggerParameter: 'connection'", "triggerParameter: 'password'", "('connection')")]
    public void A_scale_definition_that_could_strand_work_fails(string find, string replacement, string expected)
    {
        var app = Template.AppWith(text => text.Swap(find, replacement));

        Assert.Contains(ScaleChecks.Rules(app), p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_KEDA_query_counts_due_and_running_jobs_and_imminent_timers_on_the_real_schema()
    {
        await using var db = await DurableDatabaseAsync();
        Assert.Equal(0, await CountAsync(db, Query));

        // Counted: due now, due within the minute, running (its replica must stay; an abandoned lease needs a rescuer).
        await ExecAsync(db, """
            insert into durable.jobs (queue, state, run_at, max_attempts) values
              ('due', 'ready', now() - interval '5 seconds', 5),
              ('soon', 'ready', now() + interval '30 seconds', 5),
              ('busy', 'running', now() - interval '1 minute', 5);
            """);
        Assert.Equal(3, await CountAsync(db, Query));

        // Not counted: a retry later on, finished jobs.
        await ExecAsync(db, """
            insert into durable.jobs (queue, state, run_at, max_attempts) values
              ('later', 'ready', now() + interval '10 minutes', 5),
              ('done', 'succeeded', now() - interval '1 hour', 5),
              ('poison', 'dead', now() - interval '1 hour', 5),
              ('stopped', 'cancelled', now() - interval '1 hour', 5);
            """);
        Assert.Equal(3, await CountAsync(db, Query));

        // Timers: the one about to fire wakes the app; a far one does not, nor a row left by a timer removed long ago.
        await ExecAsync(db, """
            insert into durable.schedules (name, cron, next_run_at) values
              ('offline-life', '0 */15 * * * *', now() + interval '20 seconds'),
              ('nightly', '0 0 3 * * *', now() + interval '5 hours'),
              ('removed-long-ago', '0 0 * * * *', now() - interval '3 days');
            """);
        Assert.Equal(4, await CountAsync(db, Query));
    }

    [Fact]
    public async Task A_query_that_does_not_match_the_schema_fails_against_it()
    {
        await using var db = await DurableDatabaseAsync();

        await Assert.ThrowsAsync<PostgresException>(() => CountAsync(db, Query.Swap("run_at", "due_at")));
    }

    [Fact]
    public void The_platform_waits_for_the_host_to_drain_before_killing_it()
    {
        Assert.True(host.ShutdownTimeout >= TimeSpan.FromSeconds(60), $"host shutdown timeout {host.ShutdownTimeout}");

        Assert.Empty(ScaleChecks.GracePeriod(Template.App, host.ShutdownTimeout));
    }

    [Fact]
    public void A_grace_period_shorter_than_the_hosts_drain_fails()
    {
        var app = Template.AppWith(text => text.Swap("terminationGracePeriodSeconds: 90", "terminationGracePeriodSeconds: 30"));

        Assert.Contains(ScaleChecks.GracePeriod(app, host.ShutdownTimeout), p => p.Contains("shorter than the host's shutdown timeout", StringComparison.Ordinal));
    }
}
