using Hearth.Durable;
using Hearth.Durable.Migrations;
using Npgsql;

namespace Hearth.Functions.Testing;

/// <summary>Test-only switches. Off by default, refused outside Development.</summary>
[SettingsSection("Testing")]
public sealed class TestingOptions : IValidatableSettings
{
    [Setting("Test only: registers the probe queue function the host's end-to-end tests use (read at build time). Refused outside Development.")]
    public bool EnableProbeFunctions { get; set; }

    public IEnumerable<SettingProblem> Validate(SettingsContext context)
    {
        if (EnableProbeFunctions && !context.IsDevelopment)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(EnableProbeFunctions)), "test-only; not allowed outside Development");
    }
}

/// <summary>A probe job: sleep this long, then record the completion under this id.</summary>
public sealed record ProbeSleep(string Id, int Milliseconds);

/// <summary>
/// Test-only functions for the host's end-to-end tests (SIGTERM drain): <c>probe.sleep</c> sleeps, then records its
/// completion in <c>testing.probe_runs</c>. Registered only when <c>Testing:EnableProbeFunctions</c> is true.
/// </summary>
public static class ProbeModule
{
    public const string SleepFunction = "probe.sleep";

    public static IHostApplicationBuilder AddProbeFunctions(this IHostApplicationBuilder builder)
    {
        builder.AddSettings<TestingOptions>();
        var options = new TestingOptions();
        SettingsBinder.Bind(options, builder.Configuration);
        if (!options.EnableProbeFunctions) return builder;

        builder.Services.AddMigrations(new MigrationSource("testing", typeof(ProbeModule).Assembly, "Hearth.Functions.Testing.Migrations."));
        builder.Services.AddDurable().AddFunction<ProbeSleep>(SleepFunction, async (probe, context, ct) =>
        {
            await Task.Delay(probe.Milliseconds, ct);
            var db = context.Services.GetRequiredService<NpgsqlDataSource>();
            await using var command = db.CreateCommand("insert into testing.probe_runs (id, job_id) values (@id, @job) on conflict (id) do nothing");
            command.Parameters.AddWithValue("id", probe.Id);
            command.Parameters.AddWithValue("job", context.JobId);
            await command.ExecuteNonQueryAsync(ct);
        });
        return builder;
    }
}
