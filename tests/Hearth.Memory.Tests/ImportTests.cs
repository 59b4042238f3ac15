using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;
using Microsoft.Extensions.AI;

namespace Hearth.Memory.Tests;

/// <summary>A host whose embedder refuses texts holding <see cref="PoisonedEmbedder.Poison"/>; imports run in batches of 3.</summary>
public sealed class PoisonedEmbedderHost : MemoryHost
{
    protected override IEmbeddingGenerator<string, Embedding<float>>? Embedder { get; } = new PoisonedEmbedder();
}

/// <summary>The corpus import: JSON lines or files, staged, fanned out in batches by the orchestration, reported.</summary>
public sealed class ImportTests(PoisonedEmbedderHost host) : IClassFixture<PoisonedEmbedderHost>
{
    private static StringContent Lines(params object[] documents) =>
        new(string.Join("\n", documents.Select(d => JsonSerializer.Serialize(d))) + "\n", Encoding.UTF8, "application/x-ndjson");

    private static async Task<JsonElement> FinishedAsync(HttpClient user, string statusUrl) =>
        await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl), s => s.GetProperty("status").GetString() is "Completed" or "Failed",
            TimeSpan.FromSeconds(60), "the import finished");

    [Fact]
    public async Task Json_lines_are_chunked_indexed_and_reported_with_failures_and_why()
    {
        var user = host.User("import-lines");
        var longText = string.Join("\n\n", Enumerable.Range(1, 12).Select(i => $"Paragraph {i} of the field guide describes heron nesting in the reed beds at length, season by season."));
        var documents = new List<object>
        {
            new { id = "guide", title = "Field guide", text = longText, source = "https://example.org/guide", createdAt = "2023-04-01T10:00:00Z" },
            new { text = "Kingfishers dive for minnows in clear streams." },
            new { id = "bad", text = $"This one holds the {PoisonedEmbedder.Poison} and the embedder refuses it." },
        };
        documents.AddRange(Enumerable.Range(0, 5).Select(i => (object)new { id = $"note-{i}", text = $"Birding note {i}: a wren sang by the gate." }));

        var response = await user.PostAsync("/api/documents/import", Lines([.. documents]));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        Assert.StartsWith("/api/documents/imports/imp_", statusUrl);

        var status = await FinishedAsync(user, statusUrl);
        Assert.Equal("Completed", status.GetProperty("status").GetString());
        var report = status.GetProperty("report");
        // Imported text is searchable by keywords as its batch commits; vectors follow. A text the embedder refuses stays
        // out of vector search (the collection's status says why) and holds back no other vector.
        Assert.Equal(8, report.GetProperty("documents").GetInt32());
        Assert.Equal(8, report.GetProperty("indexed").GetInt32());
        Assert.Equal(0, report.GetProperty("failed").GetInt32());
        Assert.True(report.GetProperty("chunks").GetInt32() > 8, "the long document is split into several chunks");
        var vectors = await Eventually.ValueAsync(() => host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/documents"),
            v => v.GetProperty("pending").GetInt64() == 0, TimeSpan.FromSeconds(60), "every imported chunk has its vector");
        Assert.Contains("refused an input", vectors.GetProperty("error").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from durable.jobs where state = 'dead'"));
        Assert.Equal(1L, await host.ScalarAsync<long>(
            "select count(*) from search.documents where owner_id = @p::uuid and vector is null and not deleted", await host.UserIdAsync("import-lines")));
        var refused = await host.SearchAsync(user, "embedder refuses", "&mode=bm25");
        Assert.StartsWith("bad#", refused.First().GetProperty("id").GetString());
        var progress = status.GetProperty("progress");
        Assert.Equal(8, progress.GetProperty("documentsDone").GetInt32());
        Assert.Equal(3, progress.GetProperty("batches").GetInt32());
        Assert.Equal(3, progress.GetProperty("batchesDone").GetInt32());
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from memory.import_documents"));

        var hits = await host.SearchAsync(user, "heron nesting reed beds", "&mode=bm25");
        var hit = hits.First();
        Assert.StartsWith("guide#", hit.GetProperty("id").GetString());
        Assert.Equal("document", hit.GetProperty("kind").GetString());
        Assert.Equal("https://example.org/guide", hit.GetProperty("source").GetString());
        Assert.Empty(await host.SearchAsync(host.User("import-other"), "heron nesting", "&mode=bm25"));

        var listed = await user.GetFromJsonAsync<JsonElement>("/api/documents");
        Assert.Equal(8, listed.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await host.User("import-other").GetAsync(statusUrl)).StatusCode);
    }

    [Fact]
    public async Task Importing_a_shorter_version_replaces_the_document_and_drops_its_surplus_chunks()
    {
        var user = host.User("import-again");
        var owner = await host.UserIdAsync("import-again");
        var longText = string.Join("\n\n", Enumerable.Range(1, 10).Select(i => $"Section {i}: the allotment rota says who waters the beans and when, in detail, for every week."));
        var first = await user.PostAsync("/api/documents/import", Lines(new { id = "rota", text = longText }));
        await FinishedAsync(user, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!);
        var before = await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid and not deleted", owner);

        var second = await user.PostAsync("/api/documents/import", Lines(new { id = "rota", text = "The rota moved to the shed door." }));
        await FinishedAsync(user, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!);

        Assert.True(before > 1);
        Assert.Equal(1, await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid and not deleted", owner));
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync("/api/documents/rota")).StatusCode);
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from search.documents where owner_id = @p::uuid and not deleted", owner));
    }

    [Fact]
    public async Task Files_are_imported_as_documents()
    {
        var user = host.User("import-files");
        using var form = new MultipartFormDataContent();
        var markdown = new StringContent("# Trip notes\n\nThe ferry to Skye leaves at nine.", Encoding.UTF8);
        markdown.Headers.ContentType = new MediaTypeHeaderValue("text/markdown");
        form.Add(markdown, "files", "skye.md");
        form.Add(new StringContent("{\"id\":\"j1\",\"text\":\"Puffins nest on Lunga.\"}\n", Encoding.UTF8, "application/x-ndjson"), "files", "more.jsonl");
        var response = await user.PostAsync("/api/documents/import", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = await FinishedAsync(user, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!);
        Assert.Equal(2, status.GetProperty("report").GetProperty("indexed").GetInt32());
        var hit = (await host.SearchAsync(user, "ferry Skye", "&mode=bm25")).First();
        Assert.Equal("file:skye.md#0", hit.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Bad_input_is_refused_with_the_lines_at_fault_and_nothing_is_written()
    {
        var user = host.User("import-bad");
        var body = new StringContent("{\"text\":\"fine\"}\nnot json\n{\"title\":\"no text\"}\n{\"text\":\"x\",\"createdAt\":\"yesterday\"}\n", Encoding.UTF8, "application/x-ndjson");
        var response = await user.PostAsync("/api/documents/import", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("not valid JSON", errors.GetProperty("line 2")[0].GetString());
        Assert.Contains("text is required", errors.GetProperty("line 3")[0].GetString());
        Assert.Contains("createdAt", errors.GetProperty("line 4")[0].GetString());
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from memory.import_documents"));
        Assert.Equal(0, await host.ScalarAsync<long>("select count(*) from durabletask.instances where owner = @p", await host.UserIdAsync("import-bad")));

        var duplicate = await user.PostAsync("/api/documents/import", Lines(new { id = "a", text = "one" }, new { id = "a", text = "two" }));
        Assert.Contains("repeats", (await duplicate.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await user.PostAsync("/api/documents/import", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.PostAsync("/api/documents/import", Lines())).StatusCode);
    }
}
