using Hearth.Models;

namespace Hearth.Chat;

/// <summary>A user's chat message to one of their agents.</summary>
/// <param name="OwnerTimeZone">The user's IANA zone (the picture cap counts the user's day).</param>
/// <param name="ClientMessageId">The client's idempotency key: a repeat returns the first result and does nothing twice.</param>
/// <param name="OwnerName">What a character card's <c>{{user}}</c> becomes (null: "you").</param>
public sealed record ChatTurnCommand(string OwnerId, string OwnerTimeZone, string AgentId, string Text, string? ClientMessageId, string? OwnerName = null);

/// <summary>Limits of a chat message.</summary>
public static class ChatLimits
{
    public const int MaxTextLength = 8000;
    public const int MaxClientMessageIdLength = 200;

    /// <summary>Field errors of a command (empty when valid).</summary>
    public static List<(string Field, string Error)> Validate(string? text, string? clientMessageId)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(text)) errors.Add(("text", "must not be empty"));
        else if (text.Length > MaxTextLength) errors.Add(("text", $"must be at most {MaxTextLength} characters"));
        if (clientMessageId is not null && (clientMessageId.Length is 0 or > MaxClientMessageIdLength || clientMessageId.Any(char.IsControl)))
            errors.Add(("clientMessageId", $"must be 1-{MaxClientMessageIdLength} printable characters"));
        return errors;
    }
}

/// <summary>A picture in a message: the media item and the job that made it.</summary>
public sealed record ChatAttachment(string Kind, string MediaId, string? ImageJobId);

/// <summary>A message as the messages API shows it.</summary>
/// <param name="Role"><c>user</c> or <c>agent</c>.</param>
/// <param name="Kind"><c>text</c> or <c>picture</c> (then <see cref="Attachment"/> is set).</param>
/// <param name="ReplyTo">For replies: the user message answered.</param>
/// <param name="ImageJobId">For replies that started a picture job: its id.</param>
/// <param name="EditedAt">When the user last edited the text (null: as written).</param>
public sealed record ChatMessageView(
    string Id,
    string? SessionId,
    string Role,
    string Kind,
    string Text,
    DateTimeOffset CreatedAt,
    string? ClientMessageId,
    string? ReplyTo,
    ChatAttachment? Attachment,
    string? ImageJobId,
    string? Provider,
    string? Model,
    DateTimeOffset? EditedAt = null)
{
    /// <summary>Whether the user edited the text shown (<see cref="EditedAt"/>: when, last).</summary>
    public bool Edited => EditedAt is not null;
}

/// <summary>The agent's reply.</summary>
public sealed record ChatReply(string Id, string Text, DateTimeOffset CreatedAt);

/// <summary>Mood after the turn (-1..1), its word, and the change this turn caused.</summary>
public sealed record MoodState(double Value, string Label, double Delta);

/// <summary>Affinity after the turn (0..100), the change, and its band.</summary>
public sealed record AffinityState(double Value, double Delta, string Band);

/// <summary>A memory the reply was built from.</summary>
public sealed record MemoryUsed(string Id, string Kind, string Tier, string Snippet);

/// <summary>A lorebook entry injected into the reply's prompt: its id, name and keys, and whose book it is in (<c>agent</c> or <c>user</c>).</summary>
public sealed record LoreUsed(string Id, string BookId, string Scope, string Name, IReadOnlyList<string> Keys);

/// <summary>One message as it was sent to the model: <c>system</c>, <c>user</c> or <c>assistant</c>, and its text.</summary>
public sealed record PromptMessage(string Role, string Content);

/// <summary>The exact messages a reply was written from (system prompt first), who answered, and the memory and lore in it.</summary>
public sealed record ReplyPrompt(string MessageId, string? Provider, string? Model, IReadOnlyList<PromptMessage> Messages,
    IReadOnlyList<MemoryUsed> MemoriesUsed, IReadOnlyList<LoreUsed> LoreUsed);

/// <summary>What happened to a picture asked for in this turn.</summary>
/// <param name="Outcome"><c>started</c>, or a refusal: <c>asleep</c>, <c>affinity</c>, <c>daily-cap</c>.</param>
public sealed record PictureOutcome(string Outcome, string? ImageJobId);

/// <summary>The result of a chat turn (also what a retry with the same client message id gets back).</summary>
public sealed record ChatTurnResult(
    ChatMessageView UserMessage,
    ChatReply Reply,
    MoodState Mood,
    AffinityState Affinity,
    string Provider,
    string Model,
    IReadOnlyList<MemoryUsed> MemoriesUsed,
    string? ImageJobId,
    PictureOutcome? Picture,
    TokenUsage? Usage,
    string SessionId,
    bool Replayed,
    IReadOnlyList<LoreUsed>? LoreUsed = null);

/// <summary>Receives a streamed reply as it is written: pieces of checked text, and resets when the text so far is void.</summary>
public interface IChatTurnObserver
{
    ValueTask OnTextAsync(string delta, CancellationToken ct);

    /// <summary>The text sent so far is void (a provider failed mid-reply, or the reply had to be written again); the next pieces start over.</summary>
    ValueTask OnResetAsync(CancellationToken ct);
}

/// <summary>Outcome of <c>ChatTurnService.TakeTurnAsync</c>: the result, or null when the agent is not the owner's.</summary>
public sealed record ChatTurnOutcome(ChatTurnResult? Result);
