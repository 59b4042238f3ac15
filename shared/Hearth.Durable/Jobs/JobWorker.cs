using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Hearth.Durable.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// Runs jobs. One pump loop writes finished outcomes and fetches the next batch (Functions' batchSize /
/// newBatchThreshold) in a single round trip; handlers run in a DI scope each with the function timeout; a heartbeat
/// keeps leases alive. On shutdown it stops fetching, lets running jobs finish within the drain timeout, records their
/// outcomes, and hands back the rest without using up an attempt.
/// </summary>
internal sealed class JobWorker(
    JobStore store,
    DurableRegistry registry,
    IOptions<DurableOptions> optionsAccessor,
    IServiceScopeFactory scopes,
    JobNotifier notifier,
    DatabaseReadiness readiness,
    TimeProvider time,
    ILogger<JobWorker> logger) : IHostedService
{
    private readonly DurableOptions _options = optionsAccessor.Value;
    private readonly ConcurrentDictionary<long, byte> _leased = new();
    private readonly ConcurrentBag<long> _released = [];
    private readonly ConcurrentQueue<JobOutcome> _outcomes = new();
    private readonly WakeSignal _wake = new();
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly CancellationTokenSource _stopPump = new();
    private TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private Task _pump = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private string[] _queues = [];

    /// <summary>Jobs whose handlers are executing in this process now.</summary>
    public int Running => Volatile.Read(ref _running);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.RunWorkers) return Task.CompletedTask;
        _queues = registry.Queues();
        _pump = Task.Run(PumpAsync, CancellationToken.None);
        _heartbeat = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_options.RunWorkers) return;
        await _stopFetching.CancelAsync();
        _wake.Set();

        if (!await WaitForHandlersAsync(_options.DrainTimeout, cancellationToken))
        {
            logger.LogWarning("{Running} jobs still running after the {DrainTimeout} drain timeout; cancelling and handing them back", Running, _options.DrainTimeout);
            await _abortHandlers.CancelAsync();
            await WaitForHandlersAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        // The pump writes the outcomes still queued, then ends.
        await _stopPump.CancelAsync();
        _wake.Set();
        await _pump.WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var handBack = _released.Concat(_leased.Keys).Distinct().ToArray();
        if (handBack.Length > 0)
        {
            try
            {
                await store.ReleaseAsync(handBack, _options.WorkerId, time.GetUtcNow(), CancellationToken.None);
                logger.LogInformation("Handed back {Count} unfinished jobs", handBack.Length);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Could not hand back {Count} jobs ({Message}); their leases will expire and they will be rescued", handBack.Length, e.Message);
            }
        }
        await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<bool> WaitForHandlersAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (Running > 0)
        {
            var remaining = timeout - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero || ct.IsCancellationRequested) return false;
            var idle = Volatile.Read(ref _idle).Task;
            if (Running == 0) break;
            await Task.WhenAny(idle, Task.Delay(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }
        return true;
    }

    /// <summary>
    /// The one loop that talks to the database for this worker's jobs: each turn writes the outcomes that have
    /// arrived and, when few enough jobs are running, fetches the next batch — one round trip for both.
    /// </summary>
    private async Task PumpAsync()
    {
        try
        {
            await readiness.WaitAsync(_stopPump.Token);
        }
        catch (Exception)
        {
            return; // stopping, or migrations failed (the host reports that)
        }

        var threshold = _options.EffectiveNewBatchThreshold;
        var maxRunning = _options.BatchSize + threshold;
        var pending = new List<JobOutcome>(1024);
        var failures = 0;
        while (true)
        {
            var notification = notifier.NextJobSignal;
            _wake.Reset();
            while (pending.Count < 2000 && _outcomes.TryDequeue(out var outcome)) pending.Add(outcome);

            var fetching = !_stopFetching.IsCancellationRequested && Running <= threshold;
            var capacity = fetching ? Math.Min(_options.BatchSize, maxRunning - Running) : 0;
            if (pending.Count == 0 && capacity == 0)
            {
                if (_stopPump.IsCancellationRequested) return;
                // Jobs are running: wake when one finishes (or a poll interval passes, for the lease's sake).
                await _wake.WaitAsync(_options.MaxPollingInterval, notification: null);
                continue;
            }

            List<JobRecord> jobs;
            try
            {
                jobs = await store.FinishAndFetchAsync(pending, _queues, capacity, _options.WorkerId, _options.LeaseDuration, time.GetUtcNow(), CancellationToken.None);
                failures = 0;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                // Keep the outcomes: the database may be restarting. Our leases stay alive through the heartbeat.
                failures++;
                logger.LogWarning("Recording {Outcomes} outcomes / fetching jobs failed ({Message}); retry {Attempt}", pending.Count, e.Message, failures);
                if (_stopPump.IsCancellationRequested && failures > 5) return;
                await _wake.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * failures * failures)), notification: null);
                continue;
            }

            foreach (var outcome in pending) _leased.TryRemove(outcome.JobId, out _);
            pending.Clear();
            foreach (var job in jobs)
            {
                _leased[job.Id] = 0;
                Interlocked.Increment(ref _running);
                _ = Task.Run(() => ExecuteAsync(job), CancellationToken.None);
            }

            if (capacity == 0 || jobs.Count == capacity || !_outcomes.IsEmpty) continue; // more to do at once

            // The queue looks drained: sleep until a notification, a handler finishing, the next scheduled job, or a poll.
            var delay = _options.MaxPollingInterval;
            if (jobs.Count == 0)
            {
                try
                {
                    var now = time.GetUtcNow();
                    if (await store.NextDueAsync(_queues, now, CancellationToken.None) is { } due && due - now < delay)
                        delay = due - now;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException) { }
            }
            await _wake.WaitAsync(delay, notification);
        }
    }

    private async Task ExecuteAsync(JobRecord job)
    {
        JobOutcome? outcome = null;
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["JobId"] = job.Id,
            ["Function"] = job.Queue,
            ["Attempt"] = job.Attempt,
            ["InstanceId"] = job.InstanceId,
        });
        var started = time.GetTimestamp();
        using var activity = DurableTelemetry.StartRun(job);
        try
        {
            outcome = await RunHandlerAsync(job);
        }
        finally
        {
            DurableTelemetry.EndRun(activity, job, outcome, time.GetElapsedTime(started));
            if (outcome is null) _released.Add(job.Id);
            else _outcomes.Enqueue(outcome);
            if (Interlocked.Decrement(ref _running) == 0)
                Interlocked.Exchange(ref _idle, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            _wake.Set();
        }
    }

    /// <summary>Runs the handler; returns null when the job was cut short by shutdown and must be handed back.</summary>
    private async Task<JobOutcome?> RunHandlerAsync(JobRecord job)
    {
        HandlerRegistration? registration = null;
        var timeout = _options.FunctionTimeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_abortHandlers.Token);
        try
        {
            if (!registry.Handlers.TryGetValue(job.Queue, out registration))
                throw new PermanentJobFailureException($"No function named '{job.Queue}' is registered in this host.");
            timeout = registration.Timeout ?? timeout;
            cts.CancelAfter(timeout);
            await using (var services = scopes.CreateAsyncScope())
            {
                var context = new JobContext(job, services.ServiceProvider, logger);
                await registration.Invoke(context, cts.Token);
            }
            logger.LogDebug("Job {JobId} ({Function}) succeeded", job.Id, job.Queue);
            return new JobOutcome(job.Id, null, false, null);
        }
        catch (OperationCanceledException) when (_abortHandlers.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            var timedOut = e is OperationCanceledException && cts.IsCancellationRequested;
            var permanent = e is PermanentJobFailureException;
            var error = timedOut ? $"Timed out after {timeout}." : Describe(e);
            var dead = permanent || job.Attempt >= job.MaxAttempts;
            DateTimeOffset? retryAt = null;
            if (!dead)
            {
                var policy = job.Retry ?? registration?.Retry ?? _options.DefaultRetry;
                retryAt = time.GetUtcNow() + policy.NextDelay(job.Attempt, Random.Shared.NextDouble());
            }
            if (dead)
                logger.LogError(e, "Job {JobId} ({Function}) is dead after attempt {Attempt}/{MaxAttempts}: {Error}", job.Id, job.Queue, job.Attempt, job.MaxAttempts, error);
            else
                logger.LogWarning("Job {JobId} ({Function}) failed attempt {Attempt}/{MaxAttempts}, retrying at {RetryAt:o}: {Error}", job.Id, job.Queue, job.Attempt, job.MaxAttempts, retryAt, error);
            return new JobOutcome(job.Id, error, dead, retryAt);
        }
    }

    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        return text.Length > 4000 ? text[..4000] : text;
    }

    private async Task HeartbeatLoopAsync()
    {
        var interval = _options.LeaseDuration / 3;
        while (!_pump.IsCompleted || !_stopPump.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAny(Task.Delay(interval, time, _stopPump.Token), _pump);
                if (_stopPump.IsCancellationRequested && _pump.IsCompleted) return;
                var ids = _leased.Keys.ToArray();
                if (ids.Length == 0) continue;
                var extended = await store.HeartbeatAsync(ids, _options.WorkerId, time.GetUtcNow() + _options.LeaseDuration, CancellationToken.None);
                if (extended < ids.Length)
                    logger.LogDebug("Heartbeat extended {Extended} of {Held} leases (the rest finished or were rescued)", extended, ids.Length);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning("Lease heartbeat failed: {Message}", e.Message);
            }
        }
    }
}

/// <summary>
/// An auto-reset wake-up for the pump: any number of <see cref="Set"/> calls between two waits wake it once, without
/// allocating per call (every finished job sets it; a burst of them costs one wake-up).
/// </summary>
internal sealed class WakeSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Set() => _channel.Writer.TryWrite(true);

    /// <summary>Forgets earlier sets before the pump looks at its work (what it sees now, it handles now).</summary>
    public void Reset() => _channel.Reader.TryRead(out _);

    /// <summary>Waits for a set, the notification task (if any), or the timeout.</summary>
    public async Task WaitAsync(TimeSpan timeout, Task? notification)
    {
        if (_channel.Reader.TryRead(out _)) return;
        if (timeout < TimeSpan.FromMilliseconds(1)) timeout = TimeSpan.FromMilliseconds(1);
        using var cts = new CancellationTokenSource(timeout);
        var read = _channel.Reader.WaitToReadAsync(cts.Token).AsTask();
        if (notification is not null && await Task.WhenAny(read, notification) != read) await cts.CancelAsync();
        try
        {
            if (await read) _channel.Reader.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            // timed out, or the notification came first
        }
    }
}
