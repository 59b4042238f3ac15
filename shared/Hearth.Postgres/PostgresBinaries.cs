using System.Diagnostics;

namespace Hearth.Postgres;

/// <summary>Finds the PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine.</summary>
public sealed record PostgresBinaries(string Directory)
{
    /// <summary>The command a person should run to get the binaries, for the message when none are found.</summary>
    public const string InstallHint =
        "Install the PostgreSQL server binaries: on Debian/Ubuntu `sudo apt-get install -y postgresql` " +
        "(then `pg_config --bindir` finds them), on macOS `brew install postgresql@16`; " +
        "or point HEARTH_PG_BIN at the folder holding initdb and pg_ctl, " +
        "or set ConnectionStrings__Postgres to an existing server.";

    public string InitDb => Path.Combine(Directory, "initdb");
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>Looks in HEARTH_PG_BIN, PATH, <c>pg_config --bindir</c>, then /usr/lib/postgresql/*/bin (newest first).</summary>
    public static PostgresBinaries? Find()
    {
        foreach (var candidate in Candidates())
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
                return new PostgresBinaries(candidate);
        }
        return null;
    }

    /// <summary>Like <see cref="Find"/> but throws with the install hint when nothing is found.</summary>
    public static PostgresBinaries FindOrThrow() =>
        Find() ?? throw new PostgresNotFoundException("PostgreSQL server binaries not found. " + InstallHint);

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("HEARTH_PG_BIN") is { Length: > 0 } explicitBin)
            yield return explicitBin;

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb))
                yield return Path.GetDirectoryName(ResolveLink(initdb)) ?? dir;
        }

        if (PgConfigBinDir() is { } fromPgConfig)
            yield return fromPgConfig;

        foreach (var root in new[] { "/usr/lib/postgresql", "/usr/local/opt" })
        {
            if (!System.IO.Directory.Exists(root)) continue;
            foreach (var version in System.IO.Directory.GetDirectories(root).OrderByDescending(VersionKey))
                yield return Path.Combine(version, "bin");
        }
    }

    private static double VersionKey(string path) =>
        double.TryParse(new string(Path.GetFileName(path).Where(c => char.IsDigit(c) || c == '.').ToArray()),
            System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static string ResolveLink(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }
}

/// <summary>Raised when no PostgreSQL server binaries can be found; the message says how to install them.</summary>
public sealed class PostgresNotFoundException(string message) : Exception(message);
