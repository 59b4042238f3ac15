using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing;

namespace Hearth.Skills.Tests.Support;

/// <summary>Calls of the skills API the tests repeat.</summary>
public static class SkillsClient
{
    public static async Task<HttpResponseMessage> PutFileAsync(this HttpClient client, string path, byte[] content)
    {
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await client.PostAsync($"/api/skills/files?path={Uri.EscapeDataString(path)}", body);
    }

    /// <summary>Stores a file and returns its JSON (the file object).</summary>
    public static async Task<JsonElement> PutFileOkAsync(this HttpClient client, string path, string content)
    {
        using var response = await client.PutFileAsync(path, System.Text.Encoding.UTF8.GetBytes(content));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("file");
    }

    public static async Task<HttpResponseMessage> IngestAsync(this HttpClient client, byte[] body, string mediaType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await client.PostAsync("/api/skills/ingest", content);
    }

    /// <summary>Starts a run with a tar.gz of the files and returns its id.</summary>
    public static async Task<string> StartIngestAsync(this HttpClient client, IEnumerable<(string Path, byte[] Content)> files)
    {
        using var response = await client.IngestAsync(Archives.TarGz(files), "application/gzip");
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Polls the run until it is no longer running; returns its status.</summary>
    public static Task<JsonElement> WaitForRunAsync(this HttpClient client, string runId, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(
            async () => await client.GetFromJsonAsync<JsonElement>($"/api/skills/runs/{runId}"),
            run => run.GetProperty("status").GetString() != "running",
            timeout ?? TimeSpan.FromMinutes(2), $"run {runId} to finish");

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
