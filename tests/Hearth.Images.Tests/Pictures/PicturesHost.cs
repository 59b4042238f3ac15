using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Chat;
using Hearth.Durable.Orchestrations;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Hearth.Images.Tests.Pictures;

/// <summary>
/// The real host in process with the pictures feature, a fake Fal server on loopback (unless <see cref="UseFal"/> is false:
/// then the placeholder paints), a media folder of its own, and test doubles of the chat feature's side
/// (<see cref="Agents"/>, <see cref="Chat"/>). Fal's webhooks are delivered into the in-process server.
/// </summary>
public abstract class PicturesHost : DevelopmentHost, IAsyncLifetime
{
    /// <summary>The public address the host pretends to have (Fal's webhooks and the base portrait's URL use it).</summary>
    public static readonly Uri PublicBaseUrl = new("http://hearth.test");

    public FakeFalServer Fal { get; private set; } = null!;

    public TestAgents Agents { get; } = new();

    public RecordingChatPictures Chat { get; } = new();

    public string MediaRoot { get; } = Path.Combine(Path.GetTempPath(), "hearth-images-tests", Guid.NewGuid().ToString("N")[..12]);

    /// <summary>False: no Fal key, the placeholder paints.</summary>
    protected virtual bool UseFal => true;

    /// <summary>Pacing and other settings of the pictures feature for this host.</summary>
    protected abstract IDictionary<string, string?> PictureSettings { get; }

    async Task IAsyncLifetime.InitializeAsync()
    {
        if (UseFal) Fal = await FakeFalServer.StartAsync();
        await InitializeAsync();
        if (UseFal) Fal.DeliverWebhooksThrough(Factory.Server.CreateHandler());
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (UseFal) await Fal.DisposeAsync();
        await DisposeAsync();
        try { Directory.Delete(MediaRoot, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Media:Root"] = MediaRoot };
            if (UseFal)
            {
                settings["Fal:Key"] = Fal.ApiKey;
                settings["Fal:QueueBaseUrl"] = Fal.BaseUrl.ToString();
                settings["Fal:JwksUrl"] = Fal.JwksUrl.ToString();
                settings["Fal:PublicBaseUrl"] = PublicBaseUrl.ToString();
            }
            foreach (var (key, value) in PictureSettings) settings[key] = value;
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<IAgentPortraits>(Agents);
        services.AddSingleton<IChatPictures>(Chat);
    }

    public T Service<T>() where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>A new user with an agent of their own: the client, the user's id and the agent's id.</summary>
    public async Task<(HttpClient Client, string OwnerId, string AgentId)> UserWithAgentAsync(string? appearance = "Portrait photo of Mira, red hair, freckles")
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..10];
        var owner = await UserIdAsync(name);
        var agent = "agent-" + Guid.NewGuid().ToString("N")[..8];
        Agents.Add(owner, agent, "Mira", appearance);
        return (User(name), owner, agent);
    }

    /// <summary>Starts a job over HTTP (202) and returns its id.</summary>
    public static async Task<string> PostAsync(HttpClient client, string path, object? body = null)
    {
        using var response = body is null ? await client.PostAsync(path, null) : await client.PostAsJsonAsync(path, body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal($"/api/images/{id}", accepted.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/images/{id}", response.Headers.Location?.ToString());
        return id;
    }

    /// <summary>Waits until the job's orchestration has finished (bounded), then reads the job over HTTP.</summary>
    public async Task<JsonElement> FinishedJobAsync(HttpClient client, string jobId, TimeSpan? bound = null)
    {
        // A deadline, not a timing claim: past the webhook hosts' 30 s webhook timeout, so a webhook delayed on a loaded
        // machine still ends in the polling fallback rather than in a failed wait.
        var status = await Service<IOrchestrationClient>().WaitForCompletionAsync(jobId, bound ?? TimeSpan.FromSeconds(90));
        Assert.True(status is { IsFinished: true }, $"The orchestration of {jobId} did not finish: {status?.Status} {status?.CustomStatus}");
        return await JobAsync(client, jobId);
    }

    public static async Task<JsonElement> JobAsync(HttpClient client, string jobId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/images/{jobId}");

    /// <summary>Runs a scalar query on the host's database.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(Factory.ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>The chat feature's agent directory, as a test double: agents are added by tests; portraits are recorded.</summary>
public sealed class TestAgents : IAgentPortraits
{
    private readonly ConcurrentDictionary<(string Owner, string Agent), AgentLook> _agents = new();
    private readonly ConcurrentQueue<(string Owner, string Agent, string MediaId)> _portraitCalls = new();

    public void Add(string owner, string agent, string name, string? appearance, string? baseImage = null) =>
        _agents[(owner, agent)] = new AgentLook(agent, name, appearance, baseImage);

    public void Remove(string owner, string agent) => _agents.TryRemove((owner, agent), out _);

    private readonly ConcurrentDictionary<string, Gate> _gates = new();

    /// <summary>A lookup of the agent in progress and its release.</summary>
    public sealed record Gate(TaskCompletionSource Entered, TaskCompletionSource Release);

    /// <summary>Makes lookups of <paramref name="agent"/> wait until the gate is released (to catch a job mid-flight).</summary>
    public Gate Hold(string agent) =>
        _gates[agent] = new Gate(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Every call to <see cref="SetBasePortraitAsync"/>, in order.</summary>
    public IReadOnlyList<(string Owner, string Agent, string MediaId)> PortraitCalls => _portraitCalls.ToList();

    public Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct)
    {
        _portraitCalls.Enqueue((ownerId, agentId, mediaId));
        if (!_agents.TryGetValue((ownerId, agentId), out var look)) return Task.FromResult(false);
        _agents[(ownerId, agentId)] = look with { BaseImageMediaId = mediaId };
        return Task.FromResult(true);
    }

    public async Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (_gates.TryGetValue(agentId, out var gate))
        {
            gate.Entered.TrySetResult();
            await gate.Release.Task.WaitAsync(ct);
        }
        return _agents.TryGetValue((ownerId, agentId), out var look) ? look : null;
    }
}

/// <summary>The chat feature's picture posting, as a test double that records every call (idempotent on the job, as the contract says).</summary>
public sealed class RecordingChatPictures : IChatPictures
{
    private readonly ConcurrentQueue<Post> _calls = new();

    /// <summary>One call.</summary>
    public sealed record Post(string OwnerId, string AgentId, string? SessionId, string ImageJobId, string MediaId, string? Caption);

    public IReadOnlyList<Post> Calls => _calls.ToList();

    public IReadOnlyList<Post> CallsFor(string jobId) => _calls.Where(c => c.ImageJobId == jobId).ToList();

    public Task<string> PostPictureAsync(string ownerId, string agentId, string? sessionId, string imageJobId, string mediaId, string? caption, CancellationToken ct)
    {
        _calls.Enqueue(new Post(ownerId, agentId, sessionId, imageJobId, mediaId, caption));
        return Task.FromResult("msg-" + imageJobId);
    }
}
