using Hearth.Chat;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory;

/// <summary>
/// The re-check every job that derives something from a companion's turns makes after writing it (the index, the session
/// summary, the suggestions). A job reads the turn, then writes; the companion (or the account) may be deleted in between,
/// and its erasure may run before the job's write was there to find. Messages only ever go with their companion, so once
/// the write is committed the job looks again: a turn still there will be found by any erasure that starts later; a turn
/// gone means the companion was erased, and the job erases the companion's memory again (what it just wrote with it).
/// </summary>
public sealed class ErasedTurnGuard(IConversationReader conversations, MemoryCompanionEraser eraser, ILogger<ErasedTurnGuard> logger)
{
    /// <summary>True (after erasing the agent's memory again) when the turn's reply no longer exists; call after writing.</summary>
    public async Task<bool> TurnErasedAsync(string ownerId, string agentId, string replyMessageId, string job, CancellationToken ct)
    {
        if (await conversations.GetExchangeAsync(ownerId, replyMessageId, ct) is not null) return false;
        await EraseAgainAsync(ownerId, agentId, job, ct);
        return true;
    }

    /// <summary>True (after erasing the agent's memory again) when the session has no messages any more; call after writing.</summary>
    public async Task<bool> SessionErasedAsync(string ownerId, string agentId, string sessionId, string job, CancellationToken ct)
    {
        if ((await SessionMessages.ReadAsync(conversations, ownerId, sessionId, null, 1, ct)).Count > 0) return false;
        await EraseAgainAsync(ownerId, agentId, job, ct);
        return true;
    }

    /// <summary>Erases what memory holds of the agent (the same erasure its deletion ran).</summary>
    public async Task EraseAgainAsync(string ownerId, string agentId, string job, CancellationToken ct)
    {
        await eraser.EraseAsync(ownerId, agentId, ct);
        logger.LogInformation("Agent {AgentId}'s turns were erased while {Job} ran; what memory holds of it is erased again", agentId, job);
    }
}
