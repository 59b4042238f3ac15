using System.Diagnostics;
using System.Net.Http;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hearth.Models;

/// <summary>The model chain: providers in order, each with its timeout and retries, then the offline responder.</summary>
public sealed class ChatModelChain(IReadOnlyList<ChatModelProvider> providers, ModelChainOptions options, ILogger<ChatModelChain> logger) : IChatModelChain
{
    public IReadOnlyList<ChatModelProvider> Providers { get; } = providers;

    public async Task<ModelReply> CompleteAsync(ModelRequest request, CancellationToken ct)
    {
        var attempts = new List<ModelAttempt>();
        var messages = Messages(request);
        foreach (var provider in Providers)
        {
            var maxRetries = provider.MaxRetries ?? options.MaxRetries;
            for (var attempt = 0; ; attempt++)
            {
                var clock = Stopwatch.StartNew();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(provider.Timeout);
                TimeSpan? wait = null;
                try
                {
                    var response = await provider.Client.GetResponseAsync(messages, ChatOptions(request, provider), timeout.Token);
                    var text = response.Text?.Trim() ?? "";
                    if (text.Length == 0)
                    {
                        attempts.Add(new ModelAttempt(provider.Name, provider.Model, "empty", clock.Elapsed));
                        break;
                    }
                    attempts.Add(new ModelAttempt(provider.Name, provider.Model, "ok", clock.Elapsed));
                    return new ModelReply(text, provider.Name, response.ModelId ?? provider.Model, TokenUsage.From(response.Usage), attempts);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    var retry = Classify(e, attempt, maxRetries, out var outcome, out wait);
                    attempts.Add(new ModelAttempt(provider.Name, provider.Model, outcome, clock.Elapsed));
                    logger.LogWarning("Model {Provider}/{Model} for {Purpose}: {Outcome} after {Elapsed} ms (try {Try}){Next}",
                        provider.Name, provider.Model, request.Purpose, outcome, (long)clock.Elapsed.TotalMilliseconds, attempt + 1,
                        retry ? $"; trying again in {(long)wait!.Value.TotalMilliseconds} ms" : "; next provider");
                    if (!retry) break;
                }
                await Task.Delay(wait!.Value, ct);
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
            var maxRetries = provider.MaxRetries ?? options.MaxRetries;
            for (var attempt = 0; ; attempt++)
            {
                var clock = Stopwatch.StartNew();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(provider.Timeout);
                var text = new System.Text.StringBuilder();
                UsageDetails? usage = null;
                string? modelId = null;
                IAsyncEnumerator<ChatResponseUpdate>? updates = null;
                var retry = false;
                TimeSpan? wait = null;
                string? failure = null;
                try
                {
                    updates = provider.Client.GetStreamingResponseAsync(messages, ChatOptions(request, provider), timeout.Token).GetAsyncEnumerator(timeout.Token);
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
                            // Once text has come, another try would repeat it: fall through instead.
                            retry = Classify(e, text.Length == 0 ? attempt : maxRetries, maxRetries, out var outcome, out wait);
                            failure = outcome;
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
                logger.LogWarning("Model {Provider}/{Model} for {Purpose} (streaming): {Outcome} after {Elapsed} ms (try {Try})",
                    provider.Name, provider.Model, request.Purpose, failure ?? "empty", (long)clock.Elapsed.TotalMilliseconds, attempt + 1);
                if (text.Length > 0) yield return new ModelStreamUpdate(null, Reset: true);
                if (!retry) break;
                await Task.Delay(wait!.Value, ct);
            }
        }
        var offline = Offline(request, attempts);
        yield return new ModelStreamUpdate(offline.Text);
        yield return new ModelStreamUpdate(null, Completed: offline);
    }

    private ModelReply Offline(ModelRequest request, List<ModelAttempt> attempts)
    {
        if (request.OfflineAnswer is null) throw new ModelUnavailableException(attempts);
        return new ModelReply(request.OfflineAnswer(), ModelReply.OfflineProvider, ModelReply.OfflineModel, null, attempts);
    }

    /// <summary>Names the failure; true when it is worth another try of the same provider (then <paramref name="wait"/> is set).</summary>
    private bool Classify(Exception e, int attempt, int maxRetries, out string outcome, out TimeSpan? wait)
    {
        wait = null;
        switch (e)
        {
            case OperationCanceledException:
                outcome = "timeout";
                return false;
            case ModelProviderException p:
                outcome = p.Status is { } status ? $"http-{status}" : "network";
                if (!p.IsRetryable || attempt >= maxRetries) return false;
                if (p.RetryAfter is { } after)
                {
                    if (after > options.MaxRetryAfter) return false;
                    wait = after;
                }
                else
                {
                    var backoff = options.FirstRetryDelay.TotalMilliseconds * Math.Pow(options.BackoffCoefficient, attempt);
                    wait = TimeSpan.FromMilliseconds(Math.Min(backoff, options.MaxRetryDelay.TotalMilliseconds) * (0.8 + 0.4 * Random.Shared.NextDouble()));
                }
                return true;
            case HttpRequestException or IOException:
                outcome = "network";
                return false;
            default:
                outcome = "error";
                logger.LogWarning(e, "Model call failed unexpectedly");
                return false;
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
