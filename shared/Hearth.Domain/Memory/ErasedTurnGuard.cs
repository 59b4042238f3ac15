using Hearth.Chat;
using Microsoft.Extensions.Logging;

namespace Hearth.Memory;

/// <summary>
/// The re-check every job that derives something from a companion's turns makes after writing it (the index, the session
/// summary, the suggestions). A job reads the turn, then writes; the turn may vanish in between, for one of two reasons.
/// The user deleted it (the chat keeps a tombstone): the job undoes what it wrote for that turn alone and finishes
/// quietly. Or the companion (or the account) was deleted, and its erasure may have run before the job's write was there
/// to find: the job erases the companion's memory again. A turn still there will be found by any erasure that starts later.
/// </summary>
public sealed class ErasedTurnGuard(IConversationReader conversations, MemoryCompanionEraser eraser, DeletedTurnCleanup cleanup, ILogger<ErasedTurnGuard> logger)
{
    /// <summary>
    /// True when the turn's reply no longer exists — after removing its index entries and withdrawing its suggestions when
    /// the user deleted it, or after erasing the agent's memory again when the companion went; call after writing.
    /// </summary>
    public async Task<bool> TurnErasedAsync(TurnCommitted turn, string job, CancellationToken ct)
    {
        if (await conversations.GetExchangeAsync(turn.OwnerId, turn.ReplyMessageId, ct) is not null) return false;
        if (await conversations.WasDeletedAsync(turn.OwnerId, [turn.ReplyMessageId, turn.UserMessageId], ct))
        {
            await cleanup.ForgetIndexAsync(turn.OwnerId, turn.ReplyMessageId, ct);
            await cleanup.WithdrawSuggestionsAsync(turn.OwnerId, turn.UserMessageId, ct);
            logger.LogInformation("Turn {ReplyMessageId} was deleted while {Job} ran; what the job wrote for it is undone", turn.ReplyMessageId, job);
            return true;
        }
        await EraseAgainAsync(turn.OwnerId, turn.AgentId, job, ct);
        return true;
    }

    /// <summary>
    /// True when the summary's last message was deleted (the summary is removed) or the session has no messages any more
    /// because its companion went (the agent's memory is erased again); call after writing.
    /// </summary>
    public async Task<bool> SummaryErasedAsync(SessionSummaryRequested request, string job, CancellationToken ct)
    {
        if (await conversations.WasDeletedAsync(request.OwnerId, [request.UpToMessageId], ct))
        {
            await cleanup.ForgetSummaryAsync(request.OwnerId, request.UpToMessageId, ct);
            logger.LogInformation("Message {MessageId} was deleted while {Job} ran; the summary ending at it is removed", request.UpToMessageId, job);
            return true;
        }
        if ((await SessionMessages.ReadAsync(conversations, request.OwnerId, request.SessionId, null, 1, ct, agentId: request.AgentId)).Count > 0) return false;
        await EraseAgainAsync(request.OwnerId, request.AgentId, job, ct);
        return true;
    }

    /// <summary>Erases what memory holds of the agent (the same erasure its deletion ran).</summary>
    public async Task EraseAgainAsync(string ownerId, string agentId, string job, CancellationToken ct)
    {
        await eraser.EraseAsync(ownerId, agentId, ct);
        logger.LogInformation("Agent {AgentId}'s turns were erased while {Job} ran; what memory holds of it is erased again", agentId, job);
    }
}
