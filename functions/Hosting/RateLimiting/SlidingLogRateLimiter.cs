using System.Threading.RateLimiting;

namespace Hearth.Functions.Hosting;

/// <summary>
/// A sliding-log limiter: at most <c>permitLimit</c> permits in any <c>window</c>, remembering when each was granted, so
/// a refusal knows the true wait (until the oldest permit that must leave the window leaves it). The built-in sliding
/// window limiter reports no wait at all (the host answered "Retry-After: 1" while the caller had to wait 48 s).
/// One instance per partition (user); time from the host's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class SlidingLogRateLimiter(int permitLimit, TimeSpan window, TimeProvider time) : RateLimiter
{
    private readonly Queue<DateTimeOffset> _granted = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _lastActivity = time.GetUtcNow();

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = time.GetUtcNow();
                Expire(now);
                return _granted.Count == 0 ? now - _lastActivity : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Expire(time.GetUtcNow());
            return new RateLimiterStatistics { CurrentAvailablePermits = permitLimit - _granted.Count, CurrentQueuedCount = 0 };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        if (permitCount > permitLimit) return new Lease(false, window);
        lock (_lock)
        {
            var now = time.GetUtcNow();
            _lastActivity = now;
            Expire(now);
            var free = permitLimit - _granted.Count;
            if (permitCount <= free)
            {
                for (var i = 0; i < permitCount; i++) _granted.Enqueue(now);
                return new Lease(true, null);
            }
            // The permit that has to leave for this request to fit is the (permitCount - free)-th oldest.
            var leaving = _granted.ElementAt(permitCount - free - 1);
            var wait = leaving + window - now;
            return new Lease(false, wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));   // no queue: a refusal answers at once with its wait

    private void Expire(DateTimeOffset now)
    {
        while (_granted.Count > 0 && _granted.Peek() + window <= now) _granted.Dequeue();
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
