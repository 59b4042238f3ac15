using Hearth.Postgres;

namespace Hearth.Functions.Hosting;

/// <summary>
/// When the host cannot start, say why in a few lines and exit non-zero instead of a crash dump:
/// settings problems (one line per key, exit 78), missing PostgreSQL binaries (the install command, exit 69),
/// anything else (the exception, exit 70).
/// </summary>
internal static class StartupFailure
{
    public const int SettingsExitCode = 78;
    public const int UnavailableExitCode = 69;
    public const int SoftwareExitCode = 70;
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            var exception = e.ExceptionObject as Exception;
            var (message, code) = Describe(exception);
            Console.Out.Flush();
            Console.Error.WriteLine(message);
            Console.Error.Flush();
            Environment.Exit(code);
        };
    }

    internal static (string Message, int ExitCode) Describe(Exception? exception)
    {
        if (Find<SettingsException>(exception) is { } settings)
            return ("Hearth did not start; fix these settings:" + Environment.NewLine + string.Join(Environment.NewLine, settings.Problems.Select(p => p.Message)),
                SettingsExitCode);
        if (Find<PostgresNotFoundException>(exception) is { } postgres)
            return ("Hearth did not start: " + postgres.Message, UnavailableExitCode);
        // Errors meant for people (a locked data folder, initdb failing) read best without a stack trace; bugs need one.
        var plain = exception is InvalidOperationException or IOException or UnauthorizedAccessException;
        return ($"Hearth did not start or stopped unexpectedly: {(plain ? exception!.Message : exception?.ToString())}", SoftwareExitCode);
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T match) return match;
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions)
                    if (Find<T>(inner) is { } nested) return nested;
        }
        return null;
    }
}
