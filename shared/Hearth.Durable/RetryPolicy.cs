namespace Hearth.Durable;

/// <summary>
/// How a failed job or activity is tried again, with Durable Functions' RetryPolicy fields.
/// The delay before attempt n+1 is <c>FirstRetryInterval × BackoffCoefficient^(n-1)</c>, capped at
/// <see cref="MaxRetryInterval"/>, then jittered by ±20 % (never above the cap) so that failures do not retry in lockstep.
/// </summary>
/// <param name="MaxNumberOfAttempts">Attempts in all, the first included. After the last one the job is dead.</param>
/// <param name="FirstRetryInterval">Delay before the second attempt.</param>
/// <param name="BackoffCoefficient">Growth of the delay per attempt (1 = constant).</param>
/// <param name="MaxRetryInterval">Upper bound of any one delay.</param>
public sealed record RetryPolicy(int MaxNumberOfAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxRetryInterval = null)
{
    /// <summary>Run once; no retry.</summary>
    public static RetryPolicy None { get; } = new(1, TimeSpan.Zero);

    /// <summary>Delay after <paramref name="failedAttempt"/> (1-based) failed, before the next attempt.</summary>
    public TimeSpan NextDelay(int failedAttempt, double jitterSample)
    {
        var cap = MaxRetryInterval ?? TimeSpan.FromHours(1);
        var exponent = Math.Max(0, failedAttempt - 1);
        var baseMs = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, exponent);
        if (double.IsNaN(baseMs) || double.IsInfinity(baseMs)) baseMs = cap.TotalMilliseconds;
        baseMs = Math.Min(baseMs, cap.TotalMilliseconds);
        var jittered = baseMs * (0.8 + 0.4 * Math.Clamp(jitterSample, 0, 1));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, cap.TotalMilliseconds));
    }

    /// <summary>Throws when a field is out of range; called when a policy is registered or passed in.</summary>
    public RetryPolicy Validate()
    {
        if (MaxNumberOfAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxNumberOfAttempts), "At least one attempt.");
        if (FirstRetryInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(FirstRetryInterval));
        if (BackoffCoefficient < 1) throw new ArgumentOutOfRangeException(nameof(BackoffCoefficient), "1 or more.");
        if (MaxRetryInterval is { } max && max < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(MaxRetryInterval));
        return this;
    }
}
