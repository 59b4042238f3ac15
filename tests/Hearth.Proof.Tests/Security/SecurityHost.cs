using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Proof.Tests.Security;

/// <summary>What alice owns, for bob to try to reach.</summary>
public sealed record AliceWorld(string UserId, string AgentId, string PictureJobId, string MediaId, string ReplyId);

/// <summary>The proof host with alice's things made once for the class.</summary>
public sealed class SecurityHost : ProofHost
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AliceWorld? _alice;
    private IReadOnlyList<ApiOperation>? _operations;

    public HttpClient Alice => User("alice");

    public HttpClient Bob => User("bob");

    public async Task<IReadOnlyList<ApiOperation>> OperationsAsync() => _operations ??= await OpenApiRoutes.ReadAsync(Anonymous);

    /// <summary>Alice's agent (with a scenario and a chat turn), a finished picture job and its stored picture.</summary>
    public async Task<AliceWorld> AliceAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_alice is not null) return _alice;
            var alice = Alice;
            var userId = await UserIdAsync("alice");
            var agent = await CreateAgentAsync(alice, "Alma");
            (await alice.PostAsJsonAsync($"/api/agents/{agent}/scenarios", new { title = "Moving house", description = "Boxes everywhere." })).EnsureSuccessStatusCode();
            var turn = await (await alice.PostAsJsonAsync($"/api/agents/{agent}/chat", new { text = "Hi Alma, how was your day?", clientMessageId = "alice-1" }))
                .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
            var job = await RequestPictureAsync(alice, agent);
            var status = await Factory.Services.GetRequiredService<IOrchestrationClient>().WaitForCompletionAsync(job, TimeSpan.FromSeconds(60));
            Assert.True(status is { IsFinished: true }, $"alice's picture did not finish: {status?.Status}");
            var picture = await alice.GetFromJsonAsync<JsonElement>($"/api/images/{job}");
            Assert.Equal("succeeded", picture.GetProperty("status").GetString());
            var media = picture.GetProperty("images")[0].GetProperty("mediaId").GetString()!;
            return _alice = new AliceWorld(userId, agent, job, media, turn.GetProperty("reply").GetProperty("id").GetString()!);
        }
        finally
        {
            _gate.Release();
        }
    }
}
