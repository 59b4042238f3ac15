using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Hearth.Functions.Documents;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NSubstitute;

namespace Hearth.Functions.Tests;

/// <summary>
/// A host upgraded mid-flight, end to end (issue 17): a document import the state-machine engine left half-finished in
/// the database (its first batch indexed, its second batch's job running) is moved by StateMachineUpgrade when the new
/// version starts, and completes on the task store with the right report and every document indexed once.
/// </summary>
public sealed class StateMachineUpgradeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_half_finished_old_engine_document_import_is_moved_at_start_and_completes_with_every_document_once()
    {
        // The previous version: it accepted the import; no workers run here, so nothing of it has run yet.
        string importId, owner, connectionString;
        await using (var previous = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["AzureFunctionsJobHost:extensions:queues:enabled"] = "false",
            ["Memory:ImportBatchSize"] = "2",
            ["Auth:DevToken"] = DevelopmentHost.DevTokenValue,
        }))
        {
            connectionString = previous.ConnectionString;
            var writer = previous.ClientWith($"{DevelopmentHost.DevTokenValue}:upgrader");
            var lines = string.Join("\n", Enumerable.Range(1, 5).Select(i => JsonSerializer.Serialize(new { id = $"note-{i}", text = $"Field note {i}: a heron waded the shallows at dawn." })));
            using var imported = await writer.PostAsync("/api/documents/import", new StringContent(lines + "\n", Encoding.UTF8, "application/x-ndjson"));
            Assert.Equal(HttpStatusCode.Accepted, imported.StatusCode);
            importId = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            owner = await ScalarAsync<string>(connectionString, "select owner from durabletask.instances where instance_id = $1", importId);

            // As the old engine left it: its first batch indexed by the activity, its second batch's job running.
            using (var scope = previous.Services.CreateScope())
            {
                var batch = ActivatorUtilities.CreateInstance<ImportBatchActivity>(scope.ServiceProvider);
                var first = await batch.RunAsync(Substitute.For<TaskActivityContext>(), new ImportBatch(importId, owner, 0, 0, 2));
                Assert.Equal(2, first.Documents);
            }
            await ScalarAsync<int>(connectionString, """
                with moved as (
                    delete from durabletask.instances where instance_id = $1 returning instance_id, name, owner, input
                ), events as (
                    delete from durabletask.new_events where instance_id = $1
                ), old as (
                    insert into durable.instances (id, type, status, owner, input, runtime)
                    select instance_id, name, 'Running', owner, input::jsonb, '{"inFlight": 1}' from moved
                ), job as (
                    insert into durable.jobs (queue, kind, state, max_attempts, instance_id) values ('memory.import-batch', 1, 'running', 4, $1)
                )
                select 1
                """, importId);
        }
        Assert.Equal(2L, await ScalarAsync<long>(connectionString, "select count(*) from search.documents where owner_id = $1::uuid and not deleted", owner));

        // The new version starts on the same database with its workers: the upgrade moves the import and it finishes.
        await using var upgraded = await HearthFactory.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Memory:ImportBatchSize"] = "2",
            ["Auth:DevToken"] = DevelopmentHost.DevTokenValue,
        });
        var orchestrations = upgraded.Services.GetRequiredService<IOrchestrationClient>();
        // The API reads only the task store: the import is there once the upgrade's first pass (at start) has moved it.
        await Eventually.ValueAsync(() => orchestrations.GetAsync(importId), moved => moved is not null, Bound, "the upgrade to move the import");
        var finished = await orchestrations.WaitForCompletionAsync(importId, Bound);

        Assert.True(finished is { Status: OrchestrationRuntimeStatus.Completed }, $"the import finished: {finished?.Status} {finished?.Error}");
        var report = finished!.ReadOutput<DocumentImportReport>()!;
        Assert.Equal(5, report.Documents);
        Assert.Equal(5, report.Indexed);
        Assert.Equal(0, report.Failed);
        // Batch one ran again after the move: its documents are still there once each, and so is everything else.
        Assert.Equal(5L, await ScalarAsync<long>(connectionString, "select count(*) from search.documents where owner_id = $1::uuid and not deleted", owner));
        // Nothing of it is left for the old engine.
        Assert.Equal(0L, await ScalarAsync<long>(connectionString,
            "select (select count(*) from durable.instances where id = $1) + (select count(*) from durable.jobs where instance_id = $1)", importId));
        var user = upgraded.ClientWith($"{DevelopmentHost.DevTokenValue}:upgrader");
        var status = await user.GetFromJsonAsync<JsonElement>($"/api/documents/imports/{importId}");
        Assert.Equal("Completed", status.GetProperty("status").GetString());
        Assert.Equal(5, (await user.GetFromJsonAsync<JsonElement>("/api/documents")).GetProperty("items").GetArrayLength());
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, params object[] args)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var a in args) command.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
