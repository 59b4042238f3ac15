namespace Hearth.Memory;

/// <summary>
/// Where the companions feature tells memory what an agent is (its persona), so that "who are you" is answered from
/// it. Implemented by memory; calling it again replaces the description.
/// </summary>
public interface IAgentSelfDescriptions
{
    Task SetAsync(string ownerId, string agentId, string text, CancellationToken ct);
}
