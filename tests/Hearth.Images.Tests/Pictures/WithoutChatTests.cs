using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Testing.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hearth.Images.Tests.Pictures;

/// <summary>
/// The host without the chat feature (as it was before chat and pictures were merged): nothing provides IAgentPortraits or IChatPictures. It must still
/// start; agent routes say the feature is missing, and a job started anyway fails saying what is missing.
/// </summary>
public sealed class WithoutChatTests(WithoutChatTests.HostWithoutChat host) : IClassFixture<WithoutChatTests.HostWithoutChat>
{
    /// <summary>The host with the chat feature's agent directory and picture delivery taken away.</summary>
    public sealed class HostWithoutChat : DevelopmentHost
    {
        protected override void ConfigureServices(IServiceCollection services)
        {
            services.RemoveAll<Hearth.Chat.IAgentPortraits>();
            services.RemoveAll<Hearth.Chat.IChatPictures>();
        }
    }

    [Fact]
    public async Task Without_the_chat_feature_the_host_starts_agent_routes_answer_503_and_jobs_fail_with_the_reason()
    {
        using var response = await host.User("solo").PostAsync("/api/agents/any/portrait", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("chat feature", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var owner = await host.UserIdAsync("solo");
        var jobs = host.Factory.Services.GetRequiredService<IPictureJobs>();
        var jobId = await jobs.StartAsync(new PictureRequest(owner, "any", PictureKind.BasePortrait, null, null, null), null, CancellationToken.None);
        await host.Factory.Services.GetRequiredService<Hearth.Durable.Orchestrations.IOrchestrationClient>().WaitForCompletionAsync(jobId, TimeSpan.FromSeconds(30));

        var job = await host.User("solo").GetFromJsonAsync<JsonElement>($"/api/images/{jobId}");
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("IAgentPortraits", job.GetProperty("reason").GetString());
    }
}
