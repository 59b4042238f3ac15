using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hearth.Cli.Skills;

/// <summary>The API answered with a problem (or could not be reached); the message is what to show the user.</summary>
public sealed class HearthApiException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>JSON calls to the Hearth API; a problem answer becomes a <see cref="HearthApiException"/> carrying its detail.</summary>
public sealed class HearthApiClient(HttpClient http)
{
    public Uri? BaseAddress => http.BaseAddress;

    public Task<JsonElement> GetAsync(string url, CancellationToken ct) => SendAsync(new HttpRequestMessage(HttpMethod.Get, url), ct);

    /// <summary>GET that answers null for 204 No Content.</summary>
    public async Task<JsonElement?> GetOrNoContentAsync(string url, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, url), ct);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        return await ReadAsync(response, ct);
    }

    public Task<JsonElement> PostJsonAsync(string url, object body, CancellationToken ct) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) }, ct);

    public Task<JsonElement> PostBytesAsync(string url, byte[] body, string mediaType, CancellationToken ct)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, url) { Content = content }, ct);
    }

    /// <summary>The body's bytes, checked against the SHA-256 the API sends as the ETag.</summary>
    public async Task<byte[]> GetBytesAsync(string url, CancellationToken ct)
    {
        using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, url), ct);
        if (!response.IsSuccessStatusCode) await ThrowAsync(response, ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.Headers.ETag?.Tag.Trim('"') is { Length: 64 } expected
            && !string.Equals(expected, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), StringComparison.OrdinalIgnoreCase))
            throw new HearthApiException($"The bytes received do not match their SHA-256 ({expected}); try again.");
        return bytes;
    }

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await SendRawAsync(request, ct);
        return await ReadAsync(response, ct);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using (request) return await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new HearthApiException($"Cannot reach the Hearth API at {http.BaseAddress} ({e.Message}). Is it running? Set HEARTH_URL to point elsewhere.");
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode) await ThrowAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    private static async Task ThrowAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        string? detail = null;
        try
        {
            using var problem = JsonDocument.Parse(text);
            if (problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
            else if (problem.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) detail = t.GetString();
        }
        catch (JsonException)
        {
        }
        var hint = response.StatusCode == HttpStatusCode.Unauthorized ? " Set HEARTH_TOKEN (or \"token\" in ~/.config/hearth/config.json)." : "";
        throw new HearthApiException($"{detail ?? response.ReasonPhrase} (HTTP {(int)response.StatusCode}).{hint}", response.StatusCode);
    }
}
