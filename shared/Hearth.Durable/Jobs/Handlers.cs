namespace Hearth.Durable.Jobs;

/// <summary>A queue-triggered function: runs once per message, at least once.</summary>
public interface IQueueFunction<in TMessage>
{
    Task RunAsync(TMessage message, JobContext context, CancellationToken ct);
}

/// <summary>An orchestration activity: the only place an orchestration does I/O. May be executed more than once.</summary>
public interface IActivity<in TInput, TOutput>
{
    Task<TOutput> RunAsync(TInput input, JobContext context, CancellationToken ct);
}
