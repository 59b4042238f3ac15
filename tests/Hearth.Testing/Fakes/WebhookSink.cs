using Microsoft.AspNetCore.Http;

namespace Hearth.Testing.Fakes;

/// <summary>
/// A loopback HTTP endpoint that records what is POSTed to it (webhook deliveries) and answers
/// <see cref="ResponseStatus"/>. Wait for deliveries with <see cref="WaitForAsync"/>, never with sleeps.
/// </summary>
public sealed class WebhookSink : IAsyncDisposable
{
    private readonly List<RecordedRequest> _received = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private LoopbackServer _server = null!;

    private WebhookSink() { }

    /// <summary>Base URL; any path under it is accepted.</summary>
    public Uri BaseUrl => _server.BaseUrl;

    /// <summary>The status every delivery is answered with.</summary>
    public int ResponseStatus { get; set; } = 200;

    public IReadOnlyList<RecordedRequest> Received
    {
        get { lock (_received) return _received.ToList(); }
    }

    /// <summary>A URL on the sink with the given path and query, e.g. <c>/hook/job-1?token=abc</c>.</summary>
    public Uri UrlFor(string pathAndQuery) => new(BaseUrl, pathAndQuery);

    public static async Task<WebhookSink> StartAsync()
    {
        var sink = new WebhookSink();
        sink._server = await LoopbackServer.StartAsync(sink.HandleAsync);
        return sink;
    }

    /// <summary>Completes when at least <paramref name="count"/> deliveries have arrived.</summary>
    public Task WaitForAsync(int count, CancellationToken ct = default)
    {
        lock (_received)
        {
            if (_received.Count >= count) return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(ct);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await RecordedRequest.ReadAsync(context.Request, context.RequestAborted);
        context.Response.StatusCode = ResponseStatus;
        lock (_received)
        {
            _received.Add(request);
            foreach (var waiter in _waiters.Where(w => _received.Count >= w.Count).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
