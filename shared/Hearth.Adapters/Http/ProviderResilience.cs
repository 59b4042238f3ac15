using System.Globalization;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Hearth.Adapters.Http;

/// <summary>
/// How one provider's HTTP client behaves when the provider misbehaves, built on Microsoft.Extensions.Http.Resilience:
/// retries of transient answers (408, 429, 5xx) with jittered exponential backoff or the provider's Retry-After, a
/// timeout per try, and a circuit breaker that stops calling a provider whose every call failed lately. The values come
/// from the feature's own options class (<c>Models:Retry</c>, <c>Models:Embeddings</c>, <c>Fal</c>, <c>Search</c>); this
/// record is what the adapter is handed, not a settings class.
/// </summary>
/// <param name="Name">The provider in logs (<c>model openai-compatible/llama3</c>, <c>fal</c>).</param>
/// <param name="MaxRetries">Tries after the first (0: none).</param>
/// <param name="MaxRetryAfter">A Retry-After longer than this is not waited for: the answer goes back to the caller. Null: any.</param>
/// <param name="AttemptTimeout">Longest wait for the answer's headers on one try.</param>
/// <param name="BreakAfter">Failed calls in the sampling window, with none succeeding, that open the circuit (0: never).</param>
/// <param name="BreakDuration">How long an open circuit refuses calls before one is let through to probe.</param>
/// <param name="RetryFailuresWithoutAnswer">Whether a timeout or a network failure is tried again (the model chain moves on instead).</param>
/// <param name="RetryUnsafeMethods">Whether POST/PUT/PATCH/DELETE are tried again (not for a submission that bills twice).</param>
public sealed record ProviderResilience(
    string Name,
    int MaxRetries,
    TimeSpan FirstRetryDelay,
    TimeSpan MaxRetryDelay,
    TimeSpan? MaxRetryAfter,
    TimeSpan AttemptTimeout,
    int BreakAfter,
    TimeSpan BreakDuration,
    bool RetryFailuresWithoutAnswer = true,
    bool RetryUnsafeMethods = true)
{
    /// <summary>The window in which <see cref="BreakAfter"/> failures are counted.</summary>
    public static readonly TimeSpan SamplingDuration = TimeSpan.FromMinutes(1);

    /// <summary>Shortest break the library accepts.</summary>
    public static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest a caller may wait for all tries together (the SDKs' own network timeout is set to it).</summary>
    public TimeSpan Budget => AttemptTimeout * (MaxRetries + 1) + (MaxRetryAfter is { } after && after > MaxRetryDelay ? after : MaxRetryDelay) * MaxRetries;

    /// <summary>True when the failure is this pipeline's open circuit (the provider was not called).</summary>
    public static bool IsCircuitOpen(Exception e) => e is BrokenCircuitException;

    /// <summary>True when the failure is this pipeline's per-try timeout.</summary>
    public static bool IsTimeout(Exception e) => e is TimeoutRejectedException;

    /// <summary>Adds retry (outermost), circuit breaker and per-try timeout (innermost) to <paramref name="builder"/>.</summary>
    public ResiliencePipelineBuilder<HttpResponseMessage> AddTo(ResiliencePipelineBuilder<HttpResponseMessage> builder, ILogger? logger = null)
    {
        if (MaxRetries > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                Name = "retry",
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay > FirstRetryDelay ? MaxRetryDelay : FirstRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, builder.TimeProvider ?? TimeProvider.System)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? RetryAfter(response, builder.TimeProvider ?? TimeProvider.System) : null),
                OnRetry = args =>
                {
                    logger?.LogWarning("{Provider}: {Outcome}; try {Try} in {Delay} ms", Name, Describe(args.Outcome), args.AttemptNumber + 2,
                        (long)args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            };
            if (!RetryUnsafeMethods) retry.DisableForUnsafeHttpMethods();
            builder.AddRetry(retry);
        }
        if (BreakAfter > 0)
        {
            builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                Name = "circuit",
                FailureRatio = 1.0,
                MinimumThroughput = BreakAfter,
                SamplingDuration = SamplingDuration,
                BreakDuration = BreakDuration < MinBreakDuration ? MinBreakDuration : BreakDuration,
                OnOpened = args =>
                {
                    logger?.LogWarning("{Provider}: every call failed lately ({Outcome}); not calling it for {Break} s", Name, Describe(args.Outcome),
                        (long)args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    logger?.LogInformation("{Provider}: answering again", Name);
                    return ValueTask.CompletedTask;
                },
            });
        }
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Name = "attempt-timeout", Timeout = AttemptTimeout });
        return builder;
    }

    /// <summary>
    /// A handler with a pipeline (one circuit) of its own, over <paramref name="inner"/> (null: the HTTP client factory
    /// sets it). Built on first use only, so a host whose providers are all local never loads the resilience libraries.
    /// </summary>
    public DelegatingHandler CreateHandler(TimeProvider time, HttpMessageHandler? inner, ILogger? logger = null)
    {
        var handler = new ResilienceHandler(Build(time, logger));
        if (inner is not null) handler.InnerHandler = inner;
        return handler;
    }

    /// <summary>The pipeline alone, for handlers that must share one circuit (the HTTP client factory renews handlers).</summary>
    public ResiliencePipeline<HttpResponseMessage> Build(TimeProvider time, ILogger? logger = null) =>
        AddTo(new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }, logger).Build();

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider time)
    {
        if (outcome.Exception is not null)
            return RetryFailuresWithoutAnswer && HttpClientResiliencePredicates.IsTransient(outcome);
        if (outcome.Result is not { } response || !HttpClientResiliencePredicates.IsTransient(outcome)) return false;
        // A provider asking for a longer pause than the caller can give: hand the answer back at once.
        return MaxRetryAfter is not { } max || RetryAfter(response, time) is not { } wait || wait <= max;
    }

    /// <summary>OpenAI's <c>retry-after-ms</c>, else <c>Retry-After</c> (seconds or a date); null: back off.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date) return date - time.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result is { } response ? $"HTTP {(int)response.StatusCode}" : outcome.Exception?.GetType().Name ?? "failed";
}
