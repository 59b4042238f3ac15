using System.Net.Http.Headers;
using System.Text.Json;

namespace Hearth.Cli;

/// <summary>
/// Where the API is and who we are: <c>HEARTH_URL</c> and <c>HEARTH_TOKEN</c> from the environment, else
/// <c>~/.config/hearth/config.json</c> (<c>{ "url": "...", "token": "..." }</c>), else http://localhost:7071 with the dev token.
/// </summary>
public sealed record CliConfig(Uri BaseUrl, string Token)
{
    public static CliConfig Load()
    {
        string? url = Environment.GetEnvironmentVariable("HEARTH_URL");
        string? token = Environment.GetEnvironmentVariable("HEARTH_TOKEN");
        var file = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "hearth", "config.json");
        if ((url is null || token is null) && File.Exists(file))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            if (url is null && document.RootElement.TryGetProperty("url", out var u)) url = u.GetString();
            if (token is null && document.RootElement.TryGetProperty("token", out var t)) token = t.GetString();
        }
        return new CliConfig(new Uri((url ?? "http://localhost:7071").TrimEnd('/') + "/"), token ?? "dev");
    }

    /// <summary>An HTTP client for the API with the bearer token set.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = timeout ?? TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }
}
