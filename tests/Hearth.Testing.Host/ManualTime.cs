namespace Hearth.Testing.Host;

/// <summary>
/// A clock the test sets or moves: "now" is the test's, while timers and delays keep running on real time (the host's
/// workers poll with <see cref="TimeProvider"/> delays, which <c>FakeTimeProvider</c> would hold until the test moved it).
/// </summary>
public sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
