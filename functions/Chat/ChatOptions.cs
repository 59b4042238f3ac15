using System.ComponentModel.DataAnnotations;
using Hearth.Adapters.Http;
using Hearth.Adapters.OpenAI;

namespace Hearth.Functions.Chat;

/// <summary>
/// How each chat model's client treats failures (Microsoft.Extensions.Http.Resilience): retries of 408/429/5xx, and a
/// circuit breaker that skips a provider whose every call failed lately. The per-try timeout is
/// <c>Models:Chat:N:TimeoutSeconds</c>.
/// </summary>
[SettingsSection("Models:Retry")]
public sealed class ModelRetryOptions : IValidatableSettings
{
    [Setting("Tries after the first on 408/429/5xx before falling through to the next provider (a provider's Models:Chat:N:MaxRetries wins).")]
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    [Setting("Wait before the first retry; doubles each time, with jitter (hh:mm:ss[.fffffff]).")]
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Setting("Longest wait between retries.")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    [Setting("A Retry-After longer than this is not waited for: the chain falls through to the next provider.")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    [Setting("Failed calls to one provider within a minute, none succeeding, after which it is skipped for Models:Retry:BreakDuration (each retry counts; 0: never skip).")]
    [Range(0, 1000)]
    public int BreakAfter { get; set; } = 8;

    [Setting("How long a provider that kept failing is skipped (the turn goes to the next provider or the offline responder); then one call probes it.")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    IEnumerable<SettingProblem> IValidatableSettings.Validate(SettingsContext context)
    {
        if (FirstDelay < TimeSpan.Zero || FirstDelay > TimeSpan.FromMinutes(1))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(FirstDelay)), "must be between 00:00:00 and 00:01:00");
        if (MaxDelay < TimeSpan.Zero || MaxDelay > TimeSpan.FromMinutes(5))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(MaxDelay)), "must be between 00:00:00 and 00:05:00");
        if (MaxRetryAfter < TimeSpan.Zero || MaxRetryAfter > TimeSpan.FromMinutes(5))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(MaxRetryAfter)), "must be between 00:00:00 and 00:05:00");
        if (BreakAfter == 1)
            yield return SettingProblem.Invalid(context.KeyOf(nameof(BreakAfter)), "must be 0 (never skip) or at least 2");
        if (BreakDuration < ProviderResilience.MinBreakDuration || BreakDuration > TimeSpan.FromHours(1))
            yield return SettingProblem.Invalid(context.KeyOf(nameof(BreakDuration)), "must be between 00:00:00.5 and 01:00:00");
    }

    /// <summary>The resilience of one configured provider: these values, its own retries and per-try timeout.</summary>
    public ProviderResilience For(ChatModelEndpoint endpoint) => new(
        $"Model {OpenAiChatProviders.NameOf(endpoint.Provider)}/{endpoint.Model}", endpoint.MaxRetries ?? MaxRetries, FirstDelay, MaxDelay, MaxRetryAfter,
        endpoint.Timeout, BreakAfter, BreakDuration, RetryFailuresWithoutAnswer: false);
}

/// <summary>Character card import.</summary>
[SettingsSection("Chat:Cards")]
public sealed class ChatCardOptions
{
    [Setting("Largest character card accepted (the PNG or the JSON), in bytes (8 MiB).")]
    [Range(1024L, 1073741824L)]
    public long MaxBytes { get; set; } = 8 * 1024 * 1024;
}
