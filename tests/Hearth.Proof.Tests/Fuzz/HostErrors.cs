using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Proof.Tests.Fuzz;

/// <summary>
/// Collects the errors the in-process host logs (with their exceptions), so a 5xx found by the fuzz is reported with
/// the host's own explanation, and a known defect can be told apart from a new one by what the host said.
/// </summary>
public sealed class HostErrors : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    /// <summary>Starts collecting from <paramref name="services"/>' logger factory (existing loggers included).</summary>
    public static HostErrors Attach(IServiceProvider services)
    {
        var errors = new HostErrors();
        services.GetRequiredService<ILoggerFactory>().AddProvider(errors);
        return errors;
    }

    /// <summary>Everything logged as an error since the last call.</summary>
    public IReadOnlyList<string> Drain()
    {
        var drained = new List<string>();
        while (_errors.TryDequeue(out var error)) drained.Add(error);
        return drained;
    }

    public ILogger CreateLogger(string categoryName) => new Collector(categoryName, _errors);

    public void Dispose() { }

    private sealed class Collector(string category, ConcurrentQueue<string> errors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var first = exception is null ? "" : $": {exception.GetType().FullName}: {exception.Message}\n    {exception.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Hearth.", StringComparison.Ordinal))?.Trim()}";
            errors.Enqueue($"[{category}] {formatter(state, exception)}{first}");
        }
    }
}
