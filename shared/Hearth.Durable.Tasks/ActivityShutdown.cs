using Microsoft.Extensions.Hosting;

namespace Hearth.Durable.Tasks;

/// <summary>
/// The cancellation an activity gets at host shutdown (Microsoft.DurableTask's <c>TaskActivityContext</c> carries
/// none): take it by constructor and pass <see cref="Token"/> to what the activity awaits. An activity that ends in
/// <see cref="OperationCanceledException"/> once shutdown began is not recorded as failed: its call goes back to the
/// store at once and runs again on this or another worker, so activities cancelled this way must be safe to run again
/// (every product activity starts from its own rows).
/// </summary>
public sealed class ActivityShutdown
{
    public ActivityShutdown(IHostApplicationLifetime lifetime) => Token = lifetime.ApplicationStopping;

    internal ActivityShutdown(CancellationToken token) => Token = token;

    /// <summary>Cancelled when the host starts to stop.</summary>
    public CancellationToken Token { get; }
}
