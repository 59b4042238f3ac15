using Hearth.Companions;

namespace Hearth.Chat;

/// <summary><see cref="IAgentPortraits"/> over the agent store: what the pictures feature reads and sets.</summary>
public sealed class AgentPortraits(IAgentStore agents) : IAgentPortraits
{
    public Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct) =>
        agents.SetBasePortraitAsync(ownerId, agentId, mediaId, ct);

    public async Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct) =>
        await agents.FindAsync(ownerId, agentId, ct) is { } agent
            ? new AgentLook(agent.Id, agent.Name, agent.AppearancePrompt, agent.BaseImageMediaId)
            : null;
}
