using System.ComponentModel.DataAnnotations;

namespace Hearth.Functions.Chat;

/// <summary>Retries of the model chain (per provider: 429 and 5xx answers).</summary>
[SettingsSection("Models:Retry")]
public sealed class ModelRetryOptions
{
    [Setting("Tries after the first on 429/5xx before falling through to the next provider (a provider's Models:Chat:N:MaxRetries wins).")]
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    [Setting("Wait before the first retry; doubles each time (hh:mm:ss[.fffffff]).")]
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Setting("Longest wait between retries.")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(8);

    [Setting("A Retry-After longer than this is not waited for: the chain falls through to the next provider.")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Character card import.</summary>
[SettingsSection("Chat:Cards")]
public sealed class ChatCardOptions
{
    [Setting("Largest character card accepted (the PNG or the JSON), in bytes (8 MiB).")]
    [Range(1024L, 1073741824L)]
    public long MaxBytes { get; set; } = 8 * 1024 * 1024;
}
