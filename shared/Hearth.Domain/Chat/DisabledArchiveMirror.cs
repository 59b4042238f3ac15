using Hearth.Archive;

namespace Hearth.Chat;

/// <summary>No archive database configured: nothing is mirrored (the archive feature registers the real one).</summary>
public sealed class DisabledArchiveMirror : IArchiveMirror
{
    public bool IsEnabled => false;
}
