using Hearth.Models;
using Microsoft.Extensions.AI;

namespace Hearth.Memory;

/// <summary>
/// <see cref="IMemoryModel"/> on the chat's model chain: summaries and suggestions go to the configured providers (in
/// order, with their retries and fallbacks). With no chain (a host without the chat), no provider configured, or when
/// none answers, it answers null and memory uses its rules — the offline responder writes chat replies, not JSON.
/// </summary>
public sealed class ChainMemoryModel(IChatModelChain? chain) : IMemoryModel
{
    /// <summary>Whether a model provider is configured (otherwise every answer is null: the rules decide).</summary>
    public bool HasModel => chain is { Providers.Count: > 0 };

    public async Task<string?> CompleteAsync(string purpose, string systemPrompt, string userPrompt, CancellationToken ct)
    {
        if (chain is null || chain.Providers.Count == 0) return null;
        try
        {
            var reply = await chain.CompleteAsync(
                new ModelRequest(purpose, systemPrompt, [new ChatMessage(ChatRole.User, userPrompt)]) { Temperature = 0, MaxOutputTokens = 800 }, ct);
            return reply.IsOffline ? null : reply.Text;
        }
        catch (ModelUnavailableException)
        {
            return null;
        }
    }
}
