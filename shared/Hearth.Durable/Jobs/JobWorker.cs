using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Hearth.Durable.Migrations;
using Hearth.Durable.Orchestrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Hearth.Durable.Jobs;

/// <summary>
/// Runs jobs: fetches batches (Functions' batchSize / newBatchThreshold), runs each handler in a DI scope with the
/// function timeout, writes outcomes in batches, keeps leases alive with a heartbeat, and on shutdown stops fetching,
/// lets running jobs finish within the drain timeout, and hands back the rest without using up an attempt.
/// </summary>
internal sealed class JobWorker(
    JobStore store,
    DurableRegistry registry,
    IOptions<DurableOptions> optionsAccessor,
    IServiceScopeFactory scopes,
    JobNotifier notifier,
    DatabaseReadiness readiness,
    OrchestrationRunner orchestrations,
    TimeProvider time,
    ILogger<JobWorker> logger) : IHostedService
{
    private readonly DurableOptions _options = optionsAccessor.Value;
    private readonly ConcurrentDictionary<long, byte> _leased = new();
    private readonly ConcurrentBag<long> _released = [];
    private readonly Channel<JobOutcome> _outcomes = Channel.CreateUnbounded<JobOutcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly CancellationTokenSource _stopBackground = new();
    private TaskCompletionSource _slotFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private Task _fetchLoop = Task.CompletedTask;
    private Task _completer = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;
    private string[] _queues = [];

    /// <summary>Jobs whose handlers are executing in this process now.</summary>
    public int Running => Volatile.Read(ref _running);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.RunWorkers) return Task.CompletedTask;
        _queues = registry.Queues();
        _fetchLoop = Task.Run(FetchLoopAsync, CancellationToken.None);
        _completer = Task.Run(CompleteLoopAsync, CancellationToken.None);
        _heartbeat = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_options.RunWorkers) return;
        await _stopFetching.CancelAsync();
        await _fetchLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var drained = await WaitForHandlersAsync(_options.DrainTimeout, cancellationToken);
        if (!drained)
        {
            logger.LogWarning("{Running} jobs still running after the {DrainTimeout} drain timeout; cancelling and handing them back", Running, _options.DrainTimeout);
            await _abortHandlers.CancelAsync();
            await WaitForHandlersAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        _outcomes.Writer.TryComplete();
        await _completer.WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

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
        await _stopBackground.CancelAsync();
        await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<bool> WaitForHandlersAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (Running > 0)
        {
            var remaining = timeout - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero || ct.IsCancellationRequested) return false;
            var freed = Volatile.Read(ref _slotFreed).Task;
            if (Running == 0) break;
            await Task.WhenAny(freed, Task.Delay(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200), CancellationToken.None));
        }
        return true;
    }

    private async Task FetchLoopAsync()
    {
        var stop = _stopFetching.Token;
        try
        {
            await readiness.WaitAsync(stop);
        }
        catch (Exception)
        {
            return; // stopping, or migrations failed (the host reports that)
        }

        var threshold = _options.EffectiveNewBatchThreshold;
        var maxRunning = _options.BatchSize + threshold;
        while (!stop.IsCancellationRequested)
        {
            var freed = Volatile.Read(ref _slotFreed).Task;
            if (Running > threshold)
            {
                await WaitAsync(freed, TimeSpan.FromSeconds(1), stop);
                continue;
            }

            var signal = notifier.NextJobSignal;
            var capacity = Math.Min(_options.BatchSize, maxRunning - Running);
            List<JobRecord> jobs;
            try
            {
                jobs = await store.FetchAsync(_queues, capacity, _options.WorkerId, _options.LeaseDuration, time.GetUtcNow(), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning("Fetching jobs failed ({Message}); retrying in 1 s", e.Message);
                await WaitAsync(Task.Delay(Timeout.Infinite, stop), TimeSpan.FromSeconds(1), stop);
                continue;
            }

            foreach (var job in jobs)
            {
                _leased[job.Id] = 0;
                Interlocked.Increment(ref _running);
                _ = Task.Run(() => ExecuteAsync(job), CancellationToken.None);
            }
            if (jobs.Count == capacity) continue; // likely more waiting

            var delay = _options.MaxPollingInterval;
            if (jobs.Count == 0)
            {
                try
                {
                    var now = time.GetUtcNow();
                    if (await store.NextDueAsync(_queues, now, stop) is { } due && due - now < delay)
                        delay = due - now;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException) { }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            }
            await WaitAsync(signal, delay, stop);
        }
    }

    private async Task WaitAsync(Task signal, TimeSpan delay, CancellationToken stop)
    {
        if (delay < TimeSpan.FromMilliseconds(1)) delay = TimeSpan.FromMilliseconds(1);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var sleep = Task.Delay(delay, time, cts.Token);
        await Task.WhenAny(signal, sleep);
        await cts.CancelAsync();
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
        try
        {
            outcome = await RunHandlerAsync(job);
        }
        finally
        {
            if (outcome is null) _released.Add(job.Id);
            else _outcomes.Writer.TryWrite(outcome);
            Interlocked.Decrement(ref _running);
            Interlocked.Exchange(ref _slotFreed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
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
            string? result = null;
            switch (job.Kind)
            {
                case JobKind.Timer:
                    break;
                case JobKind.OrchestrationStep:
                    cts.CancelAfter(timeout);
                    await orchestrations.StepAsync(job.InstanceId!, cts.Token);
                    break;
                default:
                    if (!registry.Handlers.TryGetValue(job.Queue, out registration))
                        throw new PermanentJobFailureException($"No function or activity named '{job.Queue}' is registered in this host.");
                    timeout = registration.Timeout ?? timeout;
                    cts.CancelAfter(timeout);
                    await using (var services = scopes.CreateAsyncScope())
                    {
                        var context = new JobContext(job, services.ServiceProvider, logger);
                        var value = await registration.Invoke(context, cts.Token);
                        if (job.Kind == JobKind.Activity)
                            result = value is JsonElement element ? element.GetRawText() : JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), DurableJson.Options);
                    }
                    break;
            }
            logger.LogDebug("Job {JobId} ({Function}) succeeded", job.Id, job.Queue);
            return new JobOutcome(job.Id, result, null, false, null);
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
            return new JobOutcome(job.Id, null, error, dead, retryAt);
        }
    }

    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        return text.Length > 4000 ? text[..4000] : text;
    }

    private async Task CompleteLoopAsync()
    {
        var reader = _outcomes.Reader;
        var batch = new List<JobOutcome>(1024);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < 2000 && reader.TryRead(out var outcome)) batch.Add(outcome);
            var attempt = 0;
            while (true)
            {
                try
                {
                    await store.FinishAsync(batch, _options.WorkerId, time.GetUtcNow(), _stopBackground.Token);
                    break;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
                {
                    // Keep the outcomes: the database may be restarting. Leases stay ours through the heartbeat.
                    attempt++;
                    logger.LogWarning("Recording {Count} job outcomes failed ({Message}); retry {Attempt}", batch.Count, e.Message, attempt);
                    try { await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt * attempt)), _stopBackground.Token); }
                    catch (OperationCanceledException) { return; }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            foreach (var outcome in batch) _leased.TryRemove(outcome.JobId, out _);
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        var interval = _options.LeaseDuration / 3;
        while (!_stopBackground.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, _stopBackground.Token);
                var ids = _leased.Keys.ToArray();
                if (ids.Length == 0) continue;
                var extended = await store.HeartbeatAsync(ids, _options.WorkerId, time.GetUtcNow() + _options.LeaseDuration, _stopBackground.Token);
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
