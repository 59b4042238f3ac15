namespace Hearth.Skills.Ingest;

/// <summary>
/// A seam for tests of the bulk ingest: called at the start of every attempt of a file's activity, it may fail the
/// attempt (throw) or slow it down. The default does nothing; the host registers a configured one only when a
/// <c>Testing:Skills</c> setting asks for it, and those settings are refused outside Development.
/// </summary>
public interface ISkillIngestFaults
{
    ValueTask BeforeIngestAsync(string runId, string path, int attempt, CancellationToken ct);

    /// <summary>Called for each file about to be indexed (by any path: a run, a single upload, the index job); may throw to fail it.</summary>
    void BeforeIndex(string path) { }
}

/// <summary>No faults: production.</summary>
public sealed class NoSkillIngestFaults : ISkillIngestFaults
{
    public ValueTask BeforeIngestAsync(string runId, string path, int attempt, CancellationToken ct) => ValueTask.CompletedTask;
}

/// <summary>The attempt failed because a test asked for it.</summary>
public sealed class InjectedIngestFaultException(string message) : Exception(message);

/// <summary>
/// Test faults: fails the first attempt of a deterministic <paramref name="failFirstAttempts"/> fraction of paths (the
/// same paths every run, chosen by a hash of the path, so a test can count them), and delays every attempt by
/// <paramref name="delay"/> (so a test can kill the host in the middle of a run), and fails indexing of every file whose
/// path contains <paramref name="failIndexing"/> (so a test can see one unindexable file leave the others searchable).
/// </summary>
public sealed class ConfiguredSkillIngestFaults(double failFirstAttempts, TimeSpan delay, string? failIndexing = null) : ISkillIngestFaults
{
    public void BeforeIndex(string path)
    {
        if (!string.IsNullOrEmpty(failIndexing) && path.Contains(failIndexing, StringComparison.Ordinal))
            throw new InjectedIngestFaultException($"Injected indexing failure for '{path}' (Testing:Skills:FailIndexing).");
    }

    public async ValueTask BeforeIngestAsync(string runId, string path, int attempt, CancellationToken ct)
    {
        if (delay > TimeSpan.Zero) await Task.Delay(delay, ct);
        if (attempt == 1 && FailsFirstAttempt(path, failFirstAttempts))
            throw new InjectedIngestFaultException($"Injected failure of the first attempt for '{path}' (Testing:Skills:FailFirstAttempts).");
    }

    /// <summary>Whether a path is one whose first attempt fails, for a given fraction.</summary>
    public static bool FailsFirstAttempt(string path, double fraction)
    {
        if (fraction <= 0) return false;
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path));
        var sample = BitConverter.ToUInt32(hash, 0) / (double)uint.MaxValue;
        return sample < fraction;
    }
}
