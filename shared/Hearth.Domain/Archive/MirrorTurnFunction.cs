using Hearth.Chat;
using Hearth.Durable.Jobs;
using Microsoft.Extensions.Logging;

namespace Hearth.Archive;

/// <summary>
/// <c>archive.mirror-turn</c>: copies a committed turn's two messages (the user's and the reply) to the archive. The
/// chat turn enqueues it (<see cref="ChatQueues.MirrorTurn"/>) only when <see cref="IArchiveMirror.IsEnabled"/>;
/// messages are read through <see cref="IConversationReader"/>, which the chat feature provides. Idempotent.
/// </summary>
public sealed class MirrorTurnFunction(ArchiveStore archive, IConversationReader reader, ILogger<MirrorTurnFunction> logger) : IQueueFunction<TurnCommitted>
{
    public async Task RunAsync(TurnCommitted turn, JobContext context, CancellationToken ct)
    {
        var exchange = await reader.GetExchangeAsync(turn.OwnerId, turn.ReplyMessageId, ct);
        if (exchange is null)
        {
            // The reply no longer exists for this owner: nothing left to archive.
            logger.LogWarning("Turn {ReplyMessageId} of session {SessionId} was not found; nothing archived", turn.ReplyMessageId, turn.SessionId);
            return;
        }
        var added = await archive.AppendMessagesAsync([exchange.User, exchange.Reply], ct);
        // A companion deleted while this copy was made: its erasure may have run before the append, so look again and
        // take the copy back rather than keep what the owner asked to be forgotten.
        if (await reader.GetExchangeAsync(turn.OwnerId, turn.ReplyMessageId, ct) is null)
        {
            await archive.EraseMessagesAsync(turn.OwnerId, [exchange.User.Id, exchange.Reply.Id], ct);
            logger.LogInformation("Turn {ReplyMessageId} was deleted while it was archived; the copy is erased", turn.ReplyMessageId);
            return;
        }
        logger.LogDebug("Archived {Added} messages of turn {TurnNumber} in session {SessionId}", added, turn.TurnNumber, turn.SessionId);
    }
}

/// <summary>
/// <c>archive.forget-messages</c>: erases the archive's copies of messages the user deleted (the chat enqueues it with the
/// deletion, <see cref="ChatQueues.ForgetArchivedMessages"/>). Idempotent. A mirror job that copies the turn after this ran
/// finds the turn gone when it looks again and takes its copy back (<see cref="MirrorTurnFunction"/>).
/// </summary>
public sealed class ForgetArchivedMessagesFunction(ArchiveStore archive, ILogger<ForgetArchivedMessagesFunction> logger) : IQueueFunction<MessagesDeleted>
{
    public async Task RunAsync(MessagesDeleted deleted, JobContext context, CancellationToken ct)
    {
        var removed = await archive.EraseMessagesAsync(deleted.OwnerId, deleted.MessageIds, ct);
        logger.LogInformation("Erased {Removed} archived copies of {Count} deleted messages", removed, deleted.MessageIds.Count);
    }
}
