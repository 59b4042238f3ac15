using Hearth.Companions;
using Microsoft.Extensions.Logging;

namespace Hearth.Archive;

/// <summary>
/// The archive's part of a deletion, when an archive is configured: the mirrored chat messages of the companion, or of
/// an account everything mirrored (messages and skill file versions). Nothing to do without an archive. Idempotent.
/// </summary>
public sealed class ArchiveEraser(ArchiveStore archive, ILogger<ArchiveEraser> logger) : ICompanionEraser, IAccountEraser
{
    public async Task EraseAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (!archive.IsEnabled) return;
        var removed = await archive.EraseAsync(ownerId, agentId, ct);
        logger.LogInformation("Archive: {Removed} rows of agent {AgentId} erased", removed, agentId);
    }

    public async Task EraseAccountAsync(string ownerId, CancellationToken ct)
    {
        if (!archive.IsEnabled) return;
        var removed = await archive.EraseAsync(ownerId, null, ct);
        logger.LogInformation("Archive: {Removed} rows of account {OwnerId} erased", removed, ownerId);
    }
}
