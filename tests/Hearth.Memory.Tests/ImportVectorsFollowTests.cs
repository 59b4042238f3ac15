using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hearth.Memory.Tests.Support;
using Hearth.Testing;

namespace Hearth.Memory.Tests;

/// <summary>
/// An import is searchable by keywords as soon as its batches commit; the vectors follow from the collection's vector
/// job. Here the embedder holds the imported text (a gated embedder) to look at the time in between.
/// </summary>
public sealed class ImportVectorsFollowTests(GatedMemoryHost host) : IClassFixture<GatedMemoryHost>
{
    [Fact]
    public async Task A_just_imported_document_is_found_by_keywords_before_its_vector_exists_and_the_search_says_so()
    {
        var user = host.User("vectors-follow");
        var line = JsonSerializer.Serialize(new { id = "heron", text = $"Grey herons nest in the alder carr every March, {GatedEmbedder.Marker}." });
        var response = await user.PostAsync("/api/documents/import", new StringContent(line + "\n", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var statusUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("statusUrl").GetString()!;
        var status = await Eventually.ValueAsync(() => user.GetFromJsonAsync<JsonElement>(statusUrl),
            s => s.GetProperty("status").GetString() is "Completed" or "Failed", TimeSpan.FromSeconds(60), "the import finished");
        Assert.Equal(1, status.GetProperty("report").GetProperty("indexed").GetInt32());

        // The import is done while its vector is still held by the embedder.
        await host.Gate.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        var during = await user.GetFromJsonAsync<JsonElement>("/api/search?q=herons%20alder%20carr");
        Assert.Equal("hybrid", during.GetProperty("mode").GetString());
        Assert.True(during.GetProperty("vectorsPending").GetBoolean());
        var hit = during.GetProperty("items")[0];
        Assert.StartsWith("heron#", hit.GetProperty("id").GetString());
        Assert.Equal(1, hit.GetProperty("bm25Rank").GetInt32());
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("vectorScore").ValueKind);
        var collection = await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/documents");
        Assert.True(collection.GetProperty("pending").GetInt64() >= 1);

        host.Gate.Release();
        await Eventually.TrueAsync(async () =>
            (await host.Admin.GetFromJsonAsync<JsonElement>("/api/search/collections/documents")).GetProperty("pending").GetInt64() == 0,
            TimeSpan.FromSeconds(30), "the imported document has its vector");
        var after = await user.GetFromJsonAsync<JsonElement>("/api/search?q=herons%20alder%20carr");
        Assert.False(after.GetProperty("vectorsPending").GetBoolean());
        Assert.StartsWith("heron#", after.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.NotEqual(JsonValueKind.Null, after.GetProperty("items")[0].GetProperty("vectorScore").ValueKind);
    }
}
