using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;

namespace Hearth.Functions.Tests;

/// <summary>OpenTelemetry export, checked at the collector's door: what an operator's OTLP endpoint receives.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task With_an_OTLP_endpoint_requests_database_commands_and_job_runs_arrive_as_traces()
    {
        await using var collector = await WebhookSink.StartAsync();
        // Configured as an operator would: OTEL_* environment variables of the host process.
        var port = HostProcess.FreePort();
        await using var host = HostProcess.Start(new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Postgres"] = await TestPostgres.CreateDatabaseAsync(),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        await host.WaitUntilReadyAsync($"http://127.0.0.1:{port}/readyz", TimeSpan.FromSeconds(90));
        using var user = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        user.DefaultRequestHeaders.Authorization = new("Bearer", "dev:otel");

        using var created = await user.PostAsJsonAsync("/api/agents", new { name = "Ines", timezone = "UTC", occupation = "florist", homeCity = "Lisbon" });
        var agent = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var turn = await user.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "My cat is called Pixel." });
        Assert.True(turn.IsSuccessStatusCode, await turn.Content.ReadAsStringAsync());

        // Spans travel as protobuf; their names and attribute values are plain UTF-8 inside it.
        string Traces() => string.Join("\n", collector.Received.Where(r => r.Path == "/v1/traces").Select(r => Encoding.UTF8.GetString(r.Body)));
        await Eventually.TrueAsync(() => Task.FromResult(Traces() is var t && t.Contains("/api/agents/{id}/chat", StringComparison.Ordinal)
                && t.Contains("job memory.", StringComparison.Ordinal) && t.Contains("Hearth.Durable", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the chat request and the memory jobs it started as exported spans");

        var traces = Traces();
        Assert.Contains("Npgsql", traces);           // database commands, from Npgsql's own source
        Assert.Contains("hearth.job.outcome", traces);
        Assert.Contains("hearth", traces);           // the service name
        Assert.DoesNotContain("/readyz", traces);    // probes stay out
        Assert.DoesNotContain("My cat is called Pixel", traces); // no message text in telemetry
    }
}
