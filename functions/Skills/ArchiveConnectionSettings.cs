namespace Hearth.Functions.Skills;

/// <summary>The archive database the library and chat mirror to (optional).</summary>
[SettingsSection("ConnectionStrings")]
public sealed class ArchiveConnectionSettings
{
    [Setting("PostgreSQL connection string (Npgsql format) of the archive database (append-only copies of skill file versions and chat messages). Unset: no mirror.",
        Secret = true)]
    public string? Archive { get; set; }
}
