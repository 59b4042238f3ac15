using Microsoft.Extensions.AI;

namespace Hearth.Models;

/// <summary>
/// One call to "the model": a system prompt, the conversation so far and options. Any feature may send one (chat
/// replies, session summaries, memory suggestions, persona drafts, life events). <see cref="OfflineAnswer"/> is what
/// the offline responder says for this purpose when no provider is configured or all of them fail; without it the
/// chain throws <see cref="ModelUnavailableException"/> instead.
/// </summary>
/// <param name="Purpose">Short name of what the call is for (e.g. <c>chat.reply</c>, <c>persona.generate</c>), for logs.</param>
public sealed record ModelRequest(string Purpose, string SystemPrompt, IReadOnlyList<ChatMessage> Messages)
{
    public float? Temperature { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary>The offline answer for this request (deterministic; labelled offline in the reply).</summary>
    public Func<string>? OfflineAnswer { get; init; }
}

/// <summary>Tokens a reply cost, as the provider reported them.</summary>
public sealed record TokenUsage(long? InputTokens, long? OutputTokens, long? TotalTokens)
{
    public static TokenUsage? From(UsageDetails? usage) =>
        usage is null ? null : new TokenUsage(usage.InputTokenCount, usage.OutputTokenCount,
            usage.TotalTokenCount ?? (usage.InputTokenCount + usage.OutputTokenCount));
}

/// <summary>What came of asking one provider, its client's retries included (for logs, status and tests).</summary>
/// <param name="Outcome"><c>ok</c>, <c>http-429</c>, <c>http-500</c>, <c>timeout</c>, <c>network</c>, <c>circuit-open</c> (the provider
/// failed every call lately and was not asked), <c>empty</c>, <c>error</c>.</param>
public sealed record ModelAttempt(string Provider, string Model, string Outcome, TimeSpan Duration);

/// <summary>
/// The model's answer and who gave it. <see cref="Provider"/> is <c>offline</c> (and <see cref="IsOffline"/> true) when the
/// offline responder answered.
/// </summary>
public sealed record ModelReply(string Text, string Provider, string Model, TokenUsage? Usage, IReadOnlyList<ModelAttempt> Attempts)
{
    public const string OfflineProvider = "offline";
    public const string OfflineModel = "offline-responder";

    public bool IsOffline => Provider == OfflineProvider;
}

/// <summary>One step of a streamed reply: a piece of text, a reset (the provider failed mid-stream; drop what came so far), or the end.</summary>
public sealed record ModelStreamUpdate(string? Delta, bool Reset = false, ModelReply? Completed = null);

/// <summary>
/// The ordered chain of chat model providers (configuration order) with the offline responder last. Each provider's
/// client retries its own transient failures, times out each try and stops calling a provider that keeps failing (its
/// circuit is open); whatever failure comes out of a provider's client moves the turn on to the next provider.
/// </summary>
public interface IChatModelChain
{
    /// <summary>The configured providers, in order (empty: offline only).</summary>
    IReadOnlyList<ChatModelProvider> Providers { get; }

    Task<ModelReply> CompleteAsync(ModelRequest request, CancellationToken ct);

    /// <summary>Streams the reply; the last update carries <see cref="ModelStreamUpdate.Completed"/>. Falls through only between providers (a reset first when text had come).</summary>
    IAsyncEnumerable<ModelStreamUpdate> StreamAsync(ModelRequest request, CancellationToken ct);
}

/// <summary>One configured provider of the chain.</summary>
/// <param name="Name">Provider label shown in replies and status: <c>azure-openai</c>, <c>openai</c>, <c>openai-compatible</c>.</param>
/// <param name="Model">Model (Azure: deployment) name.</param>
/// <param name="Client">The provider's client, with its retries, per-try timeout and circuit breaker.</param>
/// <param name="Timeout">The per-try timeout its client applies (for status).</param>
/// <param name="Endpoint">The endpoint's address without credentials (for status).</param>
public sealed record ChatModelProvider(string Name, string Model, IChatClient Client, TimeSpan Timeout, string? Endpoint = null);

/// <summary>
/// A provider failed after its client's retries. Adapters throw it (with the HTTP status when there was an answer) so the
/// chain names the outcome without knowing any vendor SDK.
/// </summary>
public sealed class ModelProviderException(string message, int? status, ModelFailure failure = ModelFailure.Answered, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The HTTP status of the last answer; null when there was none.</summary>
    public int? Status { get; } = status;

    public ModelFailure Failure { get; } = failure;
}

/// <summary>How a provider failed.</summary>
public enum ModelFailure
{
    /// <summary>It answered with an error status.</summary>
    Answered,
    /// <summary>It could not be reached.</summary>
    Network,
    /// <summary>It did not answer within the per-try timeout.</summary>
    Timeout,
    /// <summary>Its circuit is open: every call failed lately, so it was not asked.</summary>
    CircuitOpen,
}

/// <summary>No provider answered and the request had no offline answer.</summary>
public sealed class ModelUnavailableException(IReadOnlyList<ModelAttempt> attempts)
    : Exception(attempts.Count == 0 ? "No chat model is configured." : $"No chat model answered ({string.Join(", ", attempts.Select(a => $"{a.Provider}: {a.Outcome}"))}).")
{
    public IReadOnlyList<ModelAttempt> Attempts { get; } = attempts;
}
