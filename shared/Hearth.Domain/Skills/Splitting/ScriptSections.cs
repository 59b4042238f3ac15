namespace Hearth.Skills.Splitting;

/// <summary>A statement at one nesting level of a script: a symbol (function, class...) or plain code.</summary>
/// <param name="Start">Where its section starts: the line start of the statement, moved up over its decorators and the comment lines right above it.</param>
/// <param name="Kind">The symbol's kind, or <see cref="SectionKind.Code"/>.</param>
/// <param name="Name">The symbol's name (the section title); null for code.</param>
/// <param name="BodyFrom">Language-specific start of a container's body (class, namespace), or -1.</param>
/// <param name="BodyTo">Language-specific end of a container's body.</param>
internal readonly record struct ScriptStatement(int Start, SectionKind Kind, string? Name, int BodyFrom = -1, int BodyTo = -1)
{
    public bool IsSymbol => Kind != SectionKind.Code;
}

/// <summary>
/// The rule all script languages share: each symbol is a section; code between symbols is a code section; code before
/// the first symbol is the file's preamble (or, inside a class, part of the class's own section); code after the last
/// top-level symbol is the epilogue.
/// </summary>
internal static class ScriptSections
{
    /// <summary>Deepest nesting split into child sections; deeper containers stay whole (keeps adversarial input from exhausting the stack).</summary>
    public const int MaxNesting = 16;

    public static void Emit(
        SectionBuilder b, IReadOnlyList<ScriptStatement> statements, int? parent, bool fileLevel, Action<ScriptStatement, int> children)
    {
        var sawSymbol = false;
        var lastWasSymbol = false;
        var lastCode = -1;
        foreach (var st in statements)
        {
            if (st.IsSymbol)
            {
                var index = b.Add(st.Start, st.Kind, st.Name, parent);
                children(st, index);
                sawSymbol = lastWasSymbol = true;
            }
            else
            {
                if (sawSymbol && lastWasSymbol)
                    lastCode = b.Add(st.Start, SectionKind.Code, null, parent);
                lastWasSymbol = false;
            }
        }
        if (fileLevel && lastCode >= 0 && !lastWasSymbol)
            b.SetKind(lastCode, SectionKind.Epilogue);
    }
}
