using Npgsql;

namespace Hearth.Skills;

/// <summary>The column lists and readers shared by the library's queries.</summary>
internal static class SkillSql
{
    public const string SelectFile = """
        select f.id, f.path, f.type, f.format, f.version, f.sha256, f.length, f.section_count, f.name, f.created_at, f.updated_at,
               f.format <> 'binary' and f.indexed_version is not distinct from f.version,
               case when f.indexed_version is distinct from f.version then f.index_error end
        from skills.files f
        """;

    public static SkillFile ReadFile(NpgsqlDataReader r, int at = 0) => new(
        r.GetString(at),
        r.GetString(at + 1),
        r.GetString(at + 2),
        r.GetString(at + 3),
        r.GetInt32(at + 4),
        r.GetString(at + 5),
        r.GetInt32(at + 6),
        r.GetInt32(at + 7),
        r.IsDBNull(at + 8) ? null : r.GetString(at + 8),
        r.GetFieldValue<DateTimeOffset>(at + 9),
        r.GetFieldValue<DateTimeOffset>(at + 10),
        r.GetBoolean(at + 11),
        r.IsDBNull(at + 12) ? null : r.GetString(at + 12));

    /// <summary>Section columns (alias <c>s</c>) followed by the file's path (alias <c>f</c>); 19 columns.</summary>
    public const string SectionColumns = """
        s.id, s.file_id, f.path, s.version, s.ord, s.key, s.parent_id, s.depth, s.heading_level, s.kind, s.title,
        s.byte_offset, s.length, s.start_line, s.end_line, s.sha256, s.subtree_end, s.subtree_bytes, f.type
        """;

    public const int SectionColumnCount = 19;

    /// <summary>The current version's sections: join on the file's current version.</summary>
    public const string CurrentSections = """
        skills.sections s join skills.files f on f.id = s.file_id and f.version = s.version
        """;

    public static StoredSection ReadSection(NpgsqlDataReader r, int at = 0) => new(
        r.GetString(at),
        r.GetString(at + 1),
        r.GetString(at + 2),
        r.GetInt32(at + 3),
        r.GetInt32(at + 4),
        r.GetString(at + 5),
        r.IsDBNull(at + 6) ? null : r.GetString(at + 6),
        r.GetInt32(at + 7),
        r.GetInt32(at + 8),
        r.GetString(at + 9),
        r.GetString(at + 10),
        r.GetInt32(at + 11),
        r.GetInt32(at + 12),
        r.GetInt32(at + 13),
        r.GetInt32(at + 14),
        r.GetString(at + 15),
        r.GetInt32(at + 16),
        r.GetInt32(at + 17));
}
