using System.Collections.Concurrent;
using System.Data.Common;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Images;
using Hearth.Memory;
using Hearth.Testing.Fakes;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Hearth.Chat.Tests;

/// <summary>A picture-jobs double that records each call and whether it came with a transaction.</summary>
public sealed class FakePictureJobs : IPictureJobs
{
    public ConcurrentQueue<(PictureRequest Request, bool InTransaction)> Started { get; } = new();

    /// <summary>What CountSinceAsync answers.</summary>
    public int CountToday { get; set; }

    public DateTimeOffset? LastCountSince { get; private set; }

    public async Task<string> StartAsync(PictureRequest request, DbTransaction? transaction, CancellationToken ct)
    {
        if (transaction is NpgsqlTransaction tx)
        {
            // Prove the job joins the caller's transaction: this row exists iff the turn commits.
            await using var command = new NpgsqlCommand("create table if not exists public.fake_picture_jobs (id text primary key, agent text); insert into public.fake_picture_jobs values (@id, @agent)", tx.Connection, tx);
            var id = "img-" + Guid.NewGuid().ToString("N")[..12];
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("agent", request.AgentId);
            await command.ExecuteNonQueryAsync(ct);
            Started.Enqueue((request, true));
            return id;
        }
        Started.Enqueue((request, false));
        return "img-" + Guid.NewGuid().ToString("N")[..12];
    }

    public Task<int> CountSinceAsync(string ownerId, string agentId, DateTimeOffset since, CancellationToken ct)
    {
        LastCountSince = since;
        return Task.FromResult(CountToday);
    }
}

/// <summary>Memory that the test scripts (warm facts and guidance), standing in for the memory feature.</summary>
public sealed class ScriptedRecall : IMemoryRecall
{
    public Recall Next { get; set; } = Recall.Empty;

    public ConcurrentQueue<RecallRequest> Requests { get; } = new();

    public Task<Recall> RecallAsync(RecallRequest request, CancellationToken ct)
    {
        Requests.Enqueue(request);
        return Task.FromResult(Next);
    }
}

/// <summary>The host with no model configured (offline), fake picture jobs, and a fixed clock.</summary>
public class OfflineChatHost : DevelopmentHost
{
    /// <summary>Tuesday 4 March 2025, 13:05 UTC.</summary>
    public ManualTime Clock { get; } = new(new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero));

    public FakePictureJobs Pictures { get; } = new();

    protected virtual bool WithPictures => true;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Chat:SummaryEveryTurns"] = "3",
        ["RateLimits:Chat:PermitLimit"] = "0",
        ["AzureFunctionsJobHost:extensions:queues:enabled"] = "false",
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
        // The real pictures feature is in the host; these tests watch the chat's calls through a recording fake.
        if (WithPictures) services.Replace(ServiceDescriptor.Singleton<IPictureJobs>(Pictures));
    }

    public async Task<JsonElement> CreateAgentAsync(HttpClient client, object body)
    {
        var response = await client.PostAsJsonAsync("/api/agents", body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> ChatAsync(HttpClient client, string agentId, string text, string? clientMessageId = null)
    {
        var response = await client.PostAsJsonAsync($"/api/agents/{agentId}/chat", new { text, clientMessageId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = NpgsqlDataSource.Create(Factory.ConnectionString);
        await using var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}


/// <summary>
/// The host with a model chain of two fake OpenAI-compatible servers: the first with an API key, the second without,
/// short timeouts (3 s, then 10 s), quick retries, warmed up before the first test; scripted memory.
/// </summary>
public sealed class ModelChatHost : OfflineChatHost, IAsyncLifetime
{
    public const string FirstKey = "sk-first-provider-secret-0123456789";
    public FakeOpenAiServer First { get; private set; } = null!;
    public FakeOpenAiServer Second { get; private set; } = null!;
    public ScriptedRecall Memory { get; } = new();

    async Task IAsyncLifetime.InitializeAsync()
    {
        First = await FakeOpenAiServer.StartAsync(FirstKey);
        Second = await FakeOpenAiServer.StartAsync();
        await InitializeAsync();
        Reset();
        await ModelWarmUp.RunAsync(Factory.Services);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Models:Chat:0:Provider"] = "OpenAICompatible";
            settings["Models:Chat:0:Endpoint"] = First.V1.ToString();
            settings["Models:Chat:0:Model"] = "first-model";
            settings["Models:Chat:0:ApiKey"] = FirstKey;
            settings["Models:Chat:0:TimeoutSeconds"] = "3";
            settings["Models:Chat:1:Provider"] = "OpenAICompatible";
            settings["Models:Chat:1:Endpoint"] = Second.V1.ToString();
            settings["Models:Chat:1:Model"] = "second-model";
            settings["Models:Chat:1:TimeoutSeconds"] = "10";
            settings["Models:Retry:MaxRetries"] = "2";
            settings["Models:Retry:FirstDelay"] = "00:00:00.0100000";
            return settings;
        }
    }

    protected override void ConfigureServices(IServiceCollection services)
    {
        base.ConfigureServices(services);
        services.Replace(ServiceDescriptor.Singleton<IMemoryRecall>(Memory));
        // Memory's suggestion and summary jobs stay on their rules here: they would otherwise ask these fakes after a
        // turn and could take a reply a test queued for the chat.
        services.Replace(ServiceDescriptor.Singleton<IMemoryModel>(new ChainMemoryModel(null)));
    }

    /// <summary>Both fakes answer with their defaults and forget nothing; call at the start of each test.</summary>
    public void Reset(Func<FakeChatRequest, FakeChatReply>? first = null, Func<FakeChatRequest, FakeChatReply>? second = null)
    {
        First.Responder = first ?? (_ => FakeChatReply.Text("Hey! Lovely to hear from you. How was your day?"));
        Second.Responder = second ?? (_ => FakeChatReply.Text("Second here, all good. What are you up to?"));
        Memory.Next = Recall.Empty;
    }
}
