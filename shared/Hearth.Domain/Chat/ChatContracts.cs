namespace Hearth.Chat;

// Contracts between the chat turn and the features that react to it. The chat turn enqueues these jobs in the same
// transaction that stores the reply; the memory, archive and life features register the functions that run them.

/// <summary>Queue (function) names of the work a committed chat turn causes.</summary>
public static class ChatQueues
{
    /// <summary>Index the turn (the exchange, and the rolling window of the last three) for retrieval. Payload: <see cref="TurnCommitted"/>.</summary>
    public const string IndexTurn = "memory.index-turn";

    /// <summary>Summarise the session (every N turns, or on demand). Payload: <see cref="SessionSummaryRequested"/>.</summary>
    public const string SummariseSession = "memory.summarise-session";

    /// <summary>Extract memory suggestions from the turn. Payload: <see cref="TurnCommitted"/>.</summary>
    public const string ExtractSuggestions = "memory.extract-suggestions";

    /// <summary>Mirror the turn's messages to the archive database, when one is configured. Payload: <see cref="TurnCommitted"/>.</summary>
    public const string MirrorTurn = "archive.mirror-turn";

    /// <summary>Forget what memory derived from deleted messages (index, suggestions, summaries). Payload: <see cref="MessagesDeleted"/>.</summary>
    public const string ForgetMessages = "memory.forget-messages";

    /// <summary>Erase the archive's copies of deleted messages, when an archive is configured. Payload: <see cref="MessagesDeleted"/>.</summary>
    public const string ForgetArchivedMessages = "archive.forget-messages";
}

/// <summary>
/// The user deleted messages of a conversation: one message, or an exchange (the user's message and the reply to it).
/// <see cref="UserMessageId"/> and <see cref="ReplyMessageId"/> name the exchange's halves when one was deleted.
/// </summary>
public sealed record MessagesDeleted(
    string OwnerId,
    string AgentId,
    string? SessionId,
    IReadOnlyList<string> MessageIds,
    string? UserMessageId,
    string? ReplyMessageId,
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset At);

/// <summary>A chat turn was stored: the user's message and the reply (ids as the API shows them).</summary>
/// <param name="TurnNumber">1-based count of exchanges in the session, this one included.</param>
public sealed record TurnCommitted(
    string OwnerId,
    string AgentId,
    string SessionId,
    string UserMessageId,
    string ReplyMessageId,
    int TurnNumber,
    DateTimeOffset At);

/// <summary>Summarise a session up to (and including) a message.</summary>
public sealed record SessionSummaryRequested(string OwnerId, string AgentId, string SessionId, string UpToMessageId, DateTimeOffset At);

/// <summary>One message as other features read it.</summary>
public sealed record ConversationMessage(
    string Id,
    string OwnerId,
    string AgentId,
    string SessionId,
    string Role,            // "user" | "agent"
    string Text,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EditedAt = null);   // when the user last edited the text (null: as written)

/// <summary>One exchange: a user's message and the agent's reply to it.</summary>
public sealed record ConversationExchange(ConversationMessage User, ConversationMessage Reply);

/// <summary>Read access to conversations for other features (memory indexing, summaries, suggestions, archive). Always scoped to an owner.</summary>
public interface IConversationReader
{
    /// <summary>The exchange whose reply is <paramref name="replyMessageId"/>, or null when it does not exist for this owner.</summary>
    Task<ConversationExchange?> GetExchangeAsync(string ownerId, string replyMessageId, CancellationToken ct);

    /// <summary>The last <paramref name="count"/> exchanges of a session up to and including the one ending at <paramref name="upToReplyMessageId"/>, oldest first.</summary>
    Task<IReadOnlyList<ConversationExchange>> GetExchangesAsync(string ownerId, string sessionId, string upToReplyMessageId, int count, CancellationToken ct);

    /// <summary>Messages of a session, oldest first, after a message id (null: from the start), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string sessionId, string? afterMessageId, int limit, CancellationToken ct);

    /// <summary>
    /// Messages of a session as one companion took part in them, oldest first, after a message id, at most <paramref name="limit"/>:
    /// a 1:1 session's messages, or in a group chat that companion's exchanges (its lines and the user's lines they answer).
    /// </summary>
    Task<IReadOnlyList<ConversationMessage>> GetSessionMessagesAsync(string ownerId, string agentId, string sessionId, string? afterMessageId, int limit,
        CancellationToken ct) => GetSessionMessagesAsync(ownerId, sessionId, afterMessageId, limit, ct);

    /// <summary>
    /// Whether any of these messages was deleted by the user (its companion still exists). A job that finds its turn gone
    /// asks this to tell a deleted turn (undo what it wrote for that turn) from an erased companion (erase all again).
    /// </summary>
    Task<bool> WasDeletedAsync(string ownerId, IReadOnlyCollection<string> messageIds, CancellationToken ct) => Task.FromResult(false);
}

/// <summary>Where the pictures feature delivers a finished picture asked for in chat. Implemented by the chat feature.</summary>
public interface IChatPictures
{
    /// <summary>
    /// Posts the picture into the agent's chat as an agent message. Idempotent on <paramref name="imageJobId"/>: a second
    /// call for the same job returns the first message's id and posts nothing.
    /// </summary>
    Task<string> PostPictureAsync(string ownerId, string agentId, string? sessionId, string imageJobId, string mediaId, string? caption, CancellationToken ct);
}

/// <summary>Sets an agent's base portrait (the face variations keep). Implemented by the chat (companions) feature.</summary>
public interface IAgentPortraits
{
    /// <summary>Makes <paramref name="mediaId"/> the agent's base image. Idempotent. False when the agent no longer exists.</summary>
    Task<bool> SetBasePortraitAsync(string ownerId, string agentId, string mediaId, CancellationToken ct);

    /// <summary>The agent's base image media id, its appearance prompt and its name (null when the agent does not exist for this owner).</summary>
    Task<AgentLook?> GetLookAsync(string ownerId, string agentId, CancellationToken ct);
}

/// <summary>What the pictures feature needs to know of an agent.</summary>
public sealed record AgentLook(string AgentId, string Name, string? AppearancePrompt, string? BaseImageMediaId, string? Scenario = null);

/// <summary>What became of an edit of a core memory block the user accepted.</summary>
public enum CoreMemoryEditOutcome
{
    /// <summary>The block now holds the edit.</summary>
    Applied,
    /// <summary>The line the edit replaces is no longer in the block (the user changed it since).</summary>
    LineGone,
    /// <summary>The block would exceed its limit.</summary>
    TooLong,
    /// <summary>The companion is gone.</summary>
    NoAgent,
}

/// <summary>
/// A companion's core memory block as memory's review flow sees it: memory reads it to let the model propose edits, and
/// applies an edit the user accepted inside the transaction that marks the suggestion accepted. Implemented by the chat.
/// </summary>
public interface ICoreMemoryBlocks
{
    /// <summary>The block's text ("" when never written); null when the agent is not the owner's.</summary>
    Task<string?> ReadAsync(string ownerId, string agentId, CancellationToken ct);

    /// <summary>
    /// Appends <paramref name="text"/> as a line of the block, or, with <paramref name="replaces"/>, puts it in place of that
    /// line, inside the caller's transaction. Nothing changes unless the answer is <see cref="CoreMemoryEditOutcome.Applied"/>.
    /// </summary>
    Task<CoreMemoryEditOutcome> ApplyAsync(Npgsql.NpgsqlTransaction transaction, string ownerId, string agentId, string? replaces, string text, CancellationToken ct);
}
