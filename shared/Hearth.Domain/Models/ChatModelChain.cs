using System.Diagnostics;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Models;

/// <summary>
/// The model chain: providers in order, then the offline responder. Retries, per-try timeouts and circuit breaking are
/// each provider's client's (see <see cref="IChatModelChain"/>); the chain asks each provider once and moves on.
/// </summary>
public sealed class ChatModelChain(IReadOnlyList<ChatModelProvider> providers, ILogger<ChatModelChain> logger) : IChatModelChain
{
    public IReadOnlyList<ChatModelProvider> Providers { get; } = providers;

    public async Task<ModelReply> CompleteAsync(ModelRequest request, CancellationToken ct)
    {
        var attempts = new List<ModelAttempt>();
        var messages = Messages(request);
        foreach (var provider in Providers)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                var response = await provider.Client.GetResponseAsync(messages, ChatOptions(request, provider), ct);
                var text = response.Text?.Trim() ?? "";
                if (text.Length == 0)
                {
                    attempts.Add(new ModelAttempt(provider.Name, provider.Model, "empty", clock.Elapsed));
                    continue;
                }
                attempts.Add(new ModelAttempt(provider.Name, provider.Model, "ok", clock.Elapsed));
                return new ModelReply(text, provider.Name, response.ModelId ?? provider.Model, TokenUsage.From(response.Usage), attempts);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var outcome = Classify(e);
                attempts.Add(new ModelAttempt(provider.Name, provider.Model, outcome, clock.Elapsed));
                logger.LogWarning("Model {Provider}/{Model} for {Purpose}: {Outcome} after {Elapsed} ms; next provider",
                    provider.Name, provider.Model, request.Purpose, outcome, (long)clock.Elapsed.TotalMilliseconds);
            }
        }
        return Offline(request, attempts);
    }

    public async IAsyncEnumerable<ModelStreamUpdate> StreamAsync(ModelRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        var attempts = new List<ModelAttempt>();
        var messages = Messages(request);
        foreach (var provider in Providers)
        {
            var clock = Stopwatch.StartNew();
            var text = new System.Text.StringBuilder();
            UsageDetails? usage = null;
            string? modelId = null;
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            string? failure = null;
            try
            {
                // The client retries only before the answer starts, so text never comes twice; a stream that breaks
                // after text came moves on to the next provider (with a reset).
                updates = provider.Client.GetStreamingResponseAsync(messages, ChatOptions(request, provider), ct).GetAsyncEnumerator(ct);
                while (true)
                {
                    ChatResponseUpdate update;
                    try
                    {
                        if (!await updates.MoveNextAsync()) break;
                        update = updates.Current;
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        failure = Classify(e);
                        break;
                    }
                    modelId ??= update.ModelId;
                    foreach (var content in update.Contents)
                        if (content is UsageContent u) usage = u.Details;
                    var delta = update.Text;
                    if (string.IsNullOrEmpty(delta)) continue;
                    text.Append(delta);
                    yield return new ModelStreamUpdate(delta);
                }
            }
            finally
            {
                if (updates is not null) await updates.DisposeAsync();
            }

            if (failure is null && text.ToString().Trim().Length > 0)
            {
                attempts.Add(new ModelAttempt(provider.Name, provider.Model, "ok", clock.Elapsed));
                yield return new ModelStreamUpdate(null, Completed: new ModelReply(text.ToString().Trim(), provider.Name, modelId ?? provider.Model, TokenUsage.From(usage), attempts));
                yield break;
            }
            attempts.Add(new ModelAttempt(provider.Name, provider.Model, failure ?? "empty", clock.Elapsed));
            logger.LogWarning("Model {Provider}/{Model} for {Purpose} (streaming): {Outcome} after {Elapsed} ms; next provider",
                provider.Name, provider.Model, request.Purpose, failure ?? "empty", (long)clock.Elapsed.TotalMilliseconds);
            if (text.Length > 0) yield return new ModelStreamUpdate(null, Reset: true);
        }
        var offline = Offline(request, attempts);
        yield return new ModelStreamUpdate(offline.Text);
        yield return new ModelStreamUpdate(null, Completed: offline);
    }

    private static ModelReply Offline(ModelRequest request, List<ModelAttempt> attempts)
    {
        if (request.OfflineAnswer is null) throw new ModelUnavailableException(attempts);
        return new ModelReply(request.OfflineAnswer(), ModelReply.OfflineProvider, ModelReply.OfflineModel, null, attempts);
    }

    /// <summary>Names the failure for the reply's attempts and the logs.</summary>
    private string Classify(Exception e)
    {
        switch (e)
        {
            case ModelProviderException { Failure: ModelFailure.CircuitOpen }:
                return "circuit-open";
            case ModelProviderException { Failure: ModelFailure.Timeout } or OperationCanceledException or TimeoutException:
                return "timeout";
            case ModelProviderException { Status: { } status }:
                return $"http-{status}";
            case ModelProviderException or HttpRequestException or IOException:
                return "network";
            default:
                logger.LogWarning(e, "Model call failed unexpectedly");
                return "error";
        }
    }

    private static List<ChatMessage> Messages(ModelRequest request)
    {
        var messages = new List<ChatMessage>(request.Messages.Count + 1) { new(ChatRole.System, request.SystemPrompt) };
        messages.AddRange(request.Messages);
        return messages;
    }

    private static ChatOptions ChatOptions(ModelRequest request, ChatModelProvider provider) => new()
    {
        ModelId = provider.Model,
        Temperature = request.Temperature,
        MaxOutputTokens = request.MaxOutputTokens,
    };
}
