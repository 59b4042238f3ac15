using System.Net.Http.Json;
using System.Text.Json;

namespace Hearth.Functions.Tests.Support;

/// <summary>One Development host (with the test module) shared by a test class.</summary>
public sealed class DevelopmentHost : IAsyncLifetime
{
    public const string DevTokenValue = "dev-token-for-tests";
    public HearthFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Factory = await HearthFactory.CreateAsync("Development", new Dictionary<string, string?>
        {
            ["Auth:DevToken"] = DevTokenValue,
        }, TestModule.Register);
        _ = Factory.Server; // start now, so tests measure nothing of the start
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    public HttpClient Admin => Factory.ClientWith(DevTokenValue);

    /// <summary>A non-admin user of its own (dev:&lt;name&gt;).</summary>
    public HttpClient User(string name) => Factory.ClientWith($"{DevTokenValue}:{name}");

    public HttpClient Anonymous => Factory.ClientWith(null);

    /// <summary>The id of the dev user <paramref name="name"/> (created on first sight).</summary>
    public async Task<string> UserIdAsync(string name)
    {
        var me = await User(name).GetFromJsonAsync<JsonElement>("/api/me");
        return me.GetProperty("id").GetString()!;
    }
}
