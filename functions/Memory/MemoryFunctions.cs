using Hearth.Chat;
using Hearth.Durable.Jobs;
using Hearth.Memory;
using Hearth.Search;

namespace Hearth.Functions.Memory;

/// <summary><c>memory.index-turn</c>: indexes a committed chat turn (the exchange and its rolling window). Logs <c>Indexed: conv_&lt;id&gt;</c>.</summary>
public sealed class IndexTurnFunction(TurnIndexer indexer) : IQueueFunction<TurnCommitted>
{
    public async Task RunAsync(TurnCommitted message, JobContext context, CancellationToken ct)
    {
        try
        {
            await indexer.IndexAsync(message, ct);
        }
        catch (EmbeddingMismatchException e)
        {
            // Retrying cannot help until the collection is reindexed; the job is dead with the explanation (and can be retried after).
            throw new PermanentJobFailureException(e.Message, e);
        }
    }
}

/// <summary><c>memory.extract-suggestions</c>: finds memory suggestions in the user's message of a turn.</summary>
public sealed class ExtractSuggestionsFunction(SuggestionService suggestions) : IQueueFunction<TurnCommitted>
{
    public Task RunAsync(TurnCommitted message, JobContext context, CancellationToken ct) => suggestions.ExtractAsync(message, ct);
}

/// <summary><c>memory.summarise-session</c>: writes a session summary (every N turns, or on demand).</summary>
public sealed class SummariseSessionFunction(SessionSummarizer summarizer, SummaryStore store) : IQueueFunction<SessionSummaryRequested>
{
    public async Task RunAsync(SessionSummaryRequested message, JobContext context, CancellationToken ct)
    {
        try
        {
            await summarizer.SummariseAsync(message, ct);
        }
        catch (Exception e) when (context.IsLastAttempt && e is not OperationCanceledException)
        {
            await store.FailAsync(message.OwnerId, message.AgentId, message.SessionId, message.UpToMessageId, e is EmbeddingMismatchException ? e.Message : "The summary could not be written.", ct);
            throw;
        }
    }
}

/// <summary><c>memory.forget-messages</c>: forgets what memory derived from messages the user deleted (index, suggestions, summaries).</summary>
public sealed class ForgetMessagesFunction(MessageForgetter forgetter) : IQueueFunction<MessagesDeleted>
{
    public Task RunAsync(MessagesDeleted message, JobContext context, CancellationToken ct) => forgetter.ForgetAsync(message, ct);
}
