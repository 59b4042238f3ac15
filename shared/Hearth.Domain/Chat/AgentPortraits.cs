using Hearth.Companions;

namespace Hearth.Chat;

/// <summary><see cref="IAgentPortraits"/> over the agent store: what the pictures feature reads and sets.</summary>
public sealed class AgentPortraits(IAgentStore agents, TimeProvider time) : IAgentPortraits
{
    public Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct) =>
        agents.SetBasePortraitAsync(ownerId, agentId, mediaId, ct);

    /// <summary>The agent's look, with its newest active scenario (what a picture of it now should show it in).</summary>
    public async Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (await agents.FindAsync(ownerId, agentId, ct) is not { } agent) return null;
        var now = time.GetUtcNow();
        var scenario = (await agents.ListScenariosAsync(ownerId, agentId, ct))?.FirstOrDefault(s => s.IsActiveAt(now));
        var situation = scenario is null ? null
            : string.IsNullOrWhiteSpace(scenario.Description) ? scenario.Title : $"{scenario.Title.TrimEnd('.')}: {scenario.Description.Trim()}";
        return new AgentLook(agent.Id, agent.Name, agent.AppearancePrompt, agent.BaseImageMediaId, situation);
    }
}
