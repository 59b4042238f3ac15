namespace Hearth.Memory;

/// <summary>
/// The chat model as memory uses it (session summaries, memory suggestions). Not registered by memory: the host wires
/// it to the model chain once there is one. Without it, or when it answers null, memory uses its rules.
/// </summary>
public interface IMemoryModel
{
    /// <summary>The model's answer, or null when no model answered (offline, or every provider failed).</summary>
    Task<string?> CompleteAsync(string purpose, string systemPrompt, string userPrompt, CancellationToken ct);
}
