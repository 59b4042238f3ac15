namespace Hearth.Durable.Jobs;

/// <summary>A queue-triggered function: runs once per message, at least once.</summary>
public interface IQueueFunction<in TMessage>
{
    Task RunAsync(TMessage message, JobContext context, CancellationToken ct);
}
