using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Testing;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Memory.Tests;

/// <summary>
/// The host as it starts with nothing configured about embeddings: the real local model (test hosts otherwise embed by
/// hashing for speed). One host, so the model is loaded once for these tests. The clock is the test's, so a later
/// session is a day later and the companion is awake whatever the hour the suite runs.
/// </summary>
public sealed class RealModelHost : DevelopmentHost
{
    public ManualTime Clock { get; } = new(new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero));

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Models:Embeddings:Provider"] = null, // undo the test hosts' Hashing: the product's default
        ["RateLimits:Chat:PermitLimit"] = "0",
        ["RateLimits:Imports:PermitLimit"] = "0",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
}

public sealed class RealModelTests(RealModelHost host) : IClassFixture<RealModelHost>
{
    [Fact]
    public async Task With_nothing_configured_the_status_names_the_local_model()
    {
        var status = await host.Admin.GetFromJsonAsync<JsonElement>("/api/status");
        var embeddings = status.GetProperty("providers").GetProperty("search").GetProperty("embeddings");
        Assert.Equal("local-onnx", embeddings.GetProperty("provider").GetString());
        Assert.Equal("snowflake-arctic-embed-xs", embeddings.GetProperty("model").GetString());
        Assert.Equal(384, embeddings.GetProperty("dimensions").GetInt32());
        // Operators see what the model has cost (texts, ONNX runs, CPU ms); users do not.
        var work = status.GetProperty("providers").GetProperty("search").GetProperty("embeddingWork");
        Assert.True(work.GetProperty("texts").GetInt64() >= 0);
        Assert.True(work.GetProperty("runs").GetInt64() >= 0);
        var asUser = await host.User("status-reader").GetFromJsonAsync<JsonElement>("/api/status");
        Assert.False(asUser.GetProperty("providers").GetProperty("search").TryGetProperty("embeddingWork", out _));
    }

    [Fact]
    public async Task A_fact_told_in_one_session_is_found_by_a_question_in_other_words_in_a_later_session()
    {
        var user = host.User("paraphrase");
        var created = await user.PostAsJsonAsync("/api/agents", new { name = "Ada", timezone = "Europe/Berlin" });
        Assert.True(created.IsSuccessStatusCode, $"creating the agent answered {created.StatusCode}");
        var agentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var told = await ChatAsync(user, agentId, "My sister Priya moved to Lisbon in March.");
        await Eventually.TrueAsync(async () => (await SearchAsync(user, "Priya Lisbon", "bm25")).Count > 0,
            TimeSpan.FromSeconds(30), "the first session indexed");

        host.Clock.Now += TimeSpan.FromDays(1); // a new session (Chat:SessionGap is 6 h)
        const string question = "Where does my sibling live these days?";
        // Not one content word of the question is in the fact: only the meaning connects them.
        var vector = await SearchAsync(user, question, "vector");
        Assert.Contains("Lisbon", vector[0].GetProperty("text").GetString());
        var hybrid = await SearchAsync(user, question, "hybrid");
        Assert.Contains("Lisbon", hybrid[0].GetProperty("text").GetString());

        var asked = await ChatAsync(user, agentId, question);
        Assert.NotEqual(told.GetProperty("sessionId").GetString(), asked.GetProperty("sessionId").GetString());
        var used = asked.GetProperty("memoriesUsed").EnumerateArray().ToList();
        Assert.Contains(used, m => m.GetProperty("tier").GetString() == "cold" && m.GetProperty("snippet").GetString()!.Contains("Lisbon"));
    }

    [Fact]
    public async Task Among_300_imported_documents_a_query_that_is_a_title_finds_that_document_first_in_hybrid()
    {
        var user = host.User("titles");
        string[] subjects = ["sourdough starter", "bike chain", "tomato seedlings", "tax return", "heat pump", "passport renewal",
            "marathon training", "kitchen knives", "wedding speech", "printer drivers", "lease agreement", "guitar strings",
            "dog vaccinations", "solar panels", "home insurance", "bread oven", "car battery", "piano practice", "roof gutters",
            "coffee grinder", "pension plan", "camping stove", "laptop backup", "window seals", "yoga routine", "rain barrel",
            "chess openings", "sewing machine", "kayak repair", "garden compost"];
        string[] aspects = ["checklist", "troubleshooting notes", "cost comparison", "weekly schedule", "lessons learned",
            "shopping list", "safety rules", "maintenance log", "questions for the expert", "first steps"];
        var documents = new List<(string Id, string Title)>();
        var lines = new StringBuilder();
        foreach (var (subject, s) in subjects.Select((x, i) => (x, i)))
        foreach (var (aspect, a) in aspects.Select((x, i) => (x, i)))
        {
            var id = $"doc-{s}-{a}";
            var title = $"{char.ToUpperInvariant(subject[0])}{subject[1..]} {aspect}";
            documents.Add((id, title));
            var text = $"These are my {aspect} about the {subject}. I wrote them after spending a weekend on it, and I keep adding " +
                $"to them whenever something about the {subject} surprises me. Most of it is practical: what to buy, what to avoid, " +
                $"and what to ask before paying anyone. Item {a + 1} of the series.";
            lines.AppendLine(JsonSerializer.Serialize(new { id, title, text }));
        }
        var response = await user.PostAsync("/api/documents/import", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        var status = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl),
            s => s.GetProperty("status").GetString() is "Completed" or "Failed", TimeSpan.FromSeconds(120), "the import finished");
        Assert.Equal(300, status.GetProperty("report").GetProperty("indexed").GetInt32());
        // Keywords first, vectors follow: wait for them before judging the ranking.
        await Eventually.TrueAsync(async () =>
            (await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/documents")).GetProperty("pending").GetInt64() == 0,
            TimeSpan.FromSeconds(180), "every imported document has its vector");

        var first = new Dictionary<string, int> { ["bm25"] = 0, ["vector"] = 0, ["hybrid"] = 0 };
        var misses = new List<string>();
        foreach (var (id, title) in documents.Where((_, i) => i % 12 == 5).Take(25))
        foreach (var mode in first.Keys.ToList())
        {
            var hits = await SearchAsync(user, title, mode);
            if (hits[0].GetProperty("id").GetString()!.StartsWith(id + "#", StringComparison.Ordinal)) first[mode]++;
            else misses.Add($"{mode}: {title} → {hits[0].GetProperty("id").GetString()}");
            if (mode != "hybrid") continue;
            Assert.Equal(JsonValueKind.Number, hits[0].GetProperty("bm25Rank").ValueKind); // hybrid shows each half's rank and score
            Assert.InRange(hits[0].GetProperty("vectorScore").GetDouble(), -1, 1);
        }
        var figures = string.Join(", ", first.Select(p => $"{p.Key} {p.Value}/25"));
        Console.WriteLine($"Exact titles first: {figures}");
        Assert.True(first["hybrid"] >= 24, $"{figures}; missed: {string.Join("; ", misses)}");
        Assert.True(first["hybrid"] >= Math.Max(first["bm25"], first["vector"]), $"hybrid is at least as good as each half: {figures}; missed: {string.Join("; ", misses)}");

        // mode=vector answers cosine similarity.
        var vector = await SearchAsync(user, documents[0].Title, "vector");
        Assert.InRange(vector[0].GetProperty("score").GetDouble(), 0.5, 1.0);
        Assert.Equal(vector[0].GetProperty("vectorScore").GetDouble(), vector[0].GetProperty("score").GetDouble(), 6);
    }

    private static async Task<JsonElement> ChatAsync(HttpClient user, string agentId, string text)
    {
        var chat = await user.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        return await chat.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<List<JsonElement>> SearchAsync(HttpClient user, string query, string mode) =>
        (await user.GetFromJsonAsync<JsonElement>($"/api/search?q={Uri.EscapeDataString(query)}&mode={mode}")).GetProperty("items").EnumerateArray().ToList();
}
