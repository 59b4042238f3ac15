namespace Hearth.Archive;

/// <summary>
/// The optional append-only archive database (a second PostgreSQL) that chat turns and skill files are mirrored to.
/// Producers check <see cref="IsEnabled"/> before enqueueing mirror work, so nothing is queued when none is configured.
/// </summary>
public interface IArchiveMirror
{
    bool IsEnabled { get; }
}
