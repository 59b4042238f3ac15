namespace Hearth.Postgres;

/// <summary>The unprivileged OS user that runs PostgreSQL when Hearth runs as root.</summary>
internal static class ServiceAccount
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Returns <c>postgres</c> when it exists (Debian's package creates it), else creates and returns <c>hearth-pg</c>.</summary>
    public static async Task<string> EnsureAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            if (await ExistsAsync("postgres", ct)) return "postgres";
            const string own = "hearth-pg";
            if (await ExistsAsync(own, ct)) return own;
            var add = await ProcessRunner.RunAsync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", own], null, TimeSpan.FromSeconds(30), ct);
            if (add.ExitCode != 0)
                throw new InvalidOperationException($"PostgreSQL refuses to run as root and creating the user '{own}' failed: {add.Output}");
            return own;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> ExistsAsync(string user, CancellationToken ct) =>
        (await ProcessRunner.RunAsync("id", ["-u", user], null, TimeSpan.FromSeconds(10), ct)).ExitCode == 0;
}
