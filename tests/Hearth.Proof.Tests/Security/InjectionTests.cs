using System.Net;
using System.Net.Http.Json;
using Hearth.Search;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>
/// Hostile strings (SQL, tsquery syntax, JSON, unicode, very long) in every query and path parameter of every route, and
/// in every text and filter of the search engine: never a 500, never an internal detail in the answer, never another
/// owner's data.
/// </summary>
public sealed class InjectionTests(SecurityHost host) : IClassFixture<SecurityHost>
{
    public static readonly string[] Hostile =
    [
        "' OR '1'='1",
        "'; drop table chat.messages; --",
        "\" OR 1=1 --",
        "1 union select id, owner_id from chat.messages",
        "$1",
        "a & | b",
        "!(",
        "foo <-> bar :* & !",
        "(((",
        "'\\''",
        "{\"$ne\":null}",
        "]}\"",
        "null",
        "-1",
        "99999999999999999999999",
        "NaN",
        "2026-13-45T99:99:99Z",
        "../../../../etc/passwd",
        "%00",
        "\0",
        "\u202Eevil\u202C",
        "e\u0301\uFEFF𝔘𝔫𝔦𝔠𝔬𝔡𝔢🔥",
        new string('a', 5000),
        string.Concat(Enumerable.Repeat("(a | ", 500)),
    ];

    /// <summary>Words that only an internal error would show.</summary>
    private static readonly string[] Leaks = ["Npgsql", "PostgresException", "SqlState", "Exception", "   at ", "syntax error", "/work/", "stack"];

    [Fact]
    public async Task Hostile_strings_in_every_query_and_path_parameter_never_give_500_or_leak()
    {
        var alice = await host.AliceAsync();
        var operations = await host.OperationsAsync();
        var failures = new List<string>();
        var calls = 0;

        foreach (var operation in operations.Where(o => o.RequiresToken && (o.QueryParameters.Any() || o.PathParameters.Any())))
        {
            var client = operation.AdminOnly ? host.Admin : host.Alice;
            // A hostile value in one parameter at a time; the other path parameters point at alice's real things.
            foreach (var parameter in operation.Parameters.Where(p => p.In is "path" or "query"))
            {
                foreach (var value in Hostile)
                {
                    // HttpClient refuses a NUL in a path before sending it (Kestrel answers 400 to %00 in a path).
                    if (parameter.In == "path" && value.Contains('\0')) continue;
                    var path = operation.Fill(name => name == parameter.Name && parameter.In == "path" ? value : RealValue(operation, name, alice));
                    if (parameter.In == "query") path += $"?{parameter.Name}={Uri.EscapeDataString(value)}";
                    using var response = await client.SendAsync(operation.Request(path, Body(operation)));
                    calls++;
                    var body = await response.Content.ReadAsStringAsync();
                    if ((int)response.StatusCode >= 500) failures.Add($"{operation} {parameter.Name}={Show(value)}: {(int)response.StatusCode} {body}");
                    foreach (var leak in Leaks.Where(l => body.Contains(l, StringComparison.Ordinal)))
                        failures.Add($"{operation} {parameter.Name}={Show(value)}: the answer shows '{leak}'");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        Assert.True(calls > 300, $"only {calls} calls");
        // Nothing was dropped or changed on the way.
        Assert.Equal(HttpStatusCode.OK, (await host.Alice.GetAsync($"/api/agents/{alice.AgentId}")).StatusCode);
        Assert.True(await host.ScalarAsync<long>("select count(*) from chat.messages") > 0);
    }

    private const string Alice = "00000000-0000-4000-8000-0000000a11ce";
    private const string Bob = "00000000-0000-4000-8000-000000000b0b";

    [Fact]
    public async Task Hostile_search_text_and_filters_are_answered_or_refused_never_crash_and_never_cross_owners()
    {
        var search = host.Factory.Services.GetRequiredService<SearchService>();
        const string collection = "proof-injection";
        await search.EnsureCollectionAsync(collection, CancellationToken.None);
        await search.IndexAsync(collection,
        [
            new SearchDocument("a1", Alice, "Alice keeps bees on the roof and sells honey at the market.") { Agent = "agent-a", Kind = "fact", Tags = ["bees"] },
            new SearchDocument("a2", Alice, "Alice's secret: the spare key is under the blue flower pot.") { Agent = "agent-a", Kind = "fact" },
            new SearchDocument("b1", Bob, "Bob plays the cello badly but with feeling.") { Agent = "agent-b", Kind = "fact" },
        ], CancellationToken.None);
        var failures = new List<string>();

        foreach (var value in Hostile)
        {
            foreach (var mode in Enum.GetValues<SearchMode>())
            {
                // Bob's owner filter with hostile text, and hostile values in every filter field.
                var filters = new[]
                {
                    new SearchFilter(Bob),
                    new SearchFilter(value),
                    new SearchFilter(Bob) { Agent = value },
                    new SearchFilter(Bob) { Session = value },
                    new SearchFilter(Bob) { Kinds = [value] },
                    new SearchFilter(Bob) { Domains = [value] },
                    new SearchFilter(Bob) { Tags = [value] },
                };
                foreach (var filter in filters)
                {
                    try
                    {
                        var hits = await search.SearchAsync(collection, value, mode, 10, filter, CancellationToken.None);
                        var leaked = hits.Where(h => h.Document.Id is "a1" or "a2").Select(h => h.Document.Id).ToList();
                        if (leaked.Count > 0) failures.Add($"{mode} '{Show(value)}' {filter}: shows alice's {string.Join(",", leaked)}");
                    }
                    catch (ArgumentException)
                    {
                        // A clear refusal of bad input is fine.
                    }
                    catch (Exception e)
                    {
                        failures.Add($"{mode} '{Show(value)}' {filter}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        var honest = await search.SearchAsync(collection, "honey bees", SearchMode.Hybrid, 10, new SearchFilter(Alice), CancellationToken.None);
        Assert.Equal("a1", honest[0].Document.Id); // the control: the index does answer a plain query
    }

    [Fact]
    public async Task Hostile_strings_in_json_bodies_are_stored_exactly_or_refused_never_a_500()
    {
        var alice = await host.AliceAsync();
        var failures = new List<string>();
        foreach (var value in Hostile)
        {
            using var created = await host.Alice.PostAsJsonAsync("/api/agents", new { name = value.Length > 80 ? value[..80] : value, timezone = "UTC", bio = value });
            if ((int)created.StatusCode >= 500) failures.Add($"create agent '{Show(value)}': {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            using var chat = await host.Alice.PostAsJsonAsync($"/api/agents/{alice.AgentId}/chat", new { text = value, clientMessageId = value.Length > 200 ? value[..200] : value });
            if ((int)chat.StatusCode >= 500) failures.Add($"chat '{Show(value)}': {(int)chat.StatusCode} {await chat.Content.ReadAsStringAsync()}");
            else if (chat.IsSuccessStatusCode && !string.IsNullOrWhiteSpace(value))
            {
                var turn = await chat.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
                if (turn.GetProperty("userMessage").GetProperty("text").GetString() != value.Trim()) failures.Add($"chat '{Show(value)}': stored text differs"); // the turn trims, nothing else
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Malformed_or_mistyped_bodies_on_every_route_that_takes_one_are_4xx_never_500()
    {
        var alice = await host.AliceAsync();
        var operations = await host.OperationsAsync();
        var random = new Random(20261121);
        var bytes = new byte[512];
        random.NextBytes(bytes);
        (string Body, string ContentType)[] bodies =
        [
            ("{", "application/json"), ("[]", "application/json"), ("null", "application/json"), ("\"text\"", "application/json"),
            ("123", "application/json"), ("""{"name":{},"text":[],"timezone":1,"prompt":{"a":1},"availability":"x"}""", "application/json"),
            ("""{"text":"hi","text":"twice"}""", "application/json"), (new string('[', 5000), "application/json"),
            ("{\"text\":\"\uD800\"}", "application/json"), (System.Text.Encoding.Latin1.GetString(bytes), "application/json"),
            ("text=hi", "application/x-www-form-urlencoded"), ("hi", "text/plain"),
        ];
        var failures = new List<string>();
        var checkedRoutes = 0;

        foreach (var operation in operations.Where(o => o.RequiresToken && o.Method is "POST" or "PUT" or "PATCH"))
        {
            var client = operation.AdminOnly ? host.Admin : host.Alice;
            var path = operation.Fill(name => RealValue(operation, name, alice));
            checkedRoutes++;
            foreach (var (body, contentType) in bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(operation.Method), path) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };
                using var response = await client.SendAsync(request);
                if ((int)response.StatusCode >= 500) failures.Add($"{operation} with {Show(body)} as {contentType}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        Assert.True(checkedRoutes >= 10, $"only {checkedRoutes} routes take a body");
    }

    private static string RealValue(ApiOperation operation, string name, AliceWorld alice) => (operation.Path, name) switch
    {
        (_, "agentId") => alice.AgentId,
        (var p, "id") when p.StartsWith("/api/agents/", StringComparison.Ordinal) => alice.AgentId,
        (_, "jobId") => alice.PictureJobId,
        (var p, "id") when p.StartsWith("/api/orchestrations/", StringComparison.Ordinal) => alice.PictureJobId,
        (var p, "id") when p.StartsWith("/media/", StringComparison.Ordinal) => alice.MediaId,
        (var p, "id") when p.StartsWith("/api/skills/files/", StringComparison.Ordinal) => alice.SkillFileId ?? "x",
        (var p, "id") when p.StartsWith("/api/skills/sections/", StringComparison.Ordinal) => alice.SkillSectionId ?? "x",
        (var p, "id") when p.StartsWith("/api/skills/runs/", StringComparison.Ordinal) => alice.SkillRunId ?? "x",
        (_, "sessionId") => alice.SessionId ?? "x",
        (var p, "id") when p.StartsWith("/api/sessions/", StringComparison.Ordinal) => alice.SummaryId ?? "x",
        (var p, "id") when p.StartsWith("/api/memory/", StringComparison.Ordinal) => alice.MemoryId ?? "x",
        (var p, "id") when p.StartsWith("/api/documents/imports/", StringComparison.Ordinal) => alice.ImportId ?? "x",
        (var p, "id") when p.StartsWith("/api/documents/", StringComparison.Ordinal) => AliceWorld.DocumentId,
        _ => "x",
    };

    private static string? Body(ApiOperation operation) => operation.OperationId switch
    {
        "Chat" or "ChatStream" => """{"text":"hello"}""",
        "CreateScenario" => """{"title":"t","description":"d"}""",
        _ => null,
    };

    private static string Show(string value) => value.Length > 40 ? value[..40] + $"…({value.Length})" : value.Replace("\0", "\\0");
}
