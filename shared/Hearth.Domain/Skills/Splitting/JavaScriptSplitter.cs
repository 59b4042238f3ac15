namespace Hearth.Skills.Splitting;

/// <summary>
/// JavaScript and TypeScript: functions (async, generators, generics), arrow functions and function expressions bound
/// with const/let/var or <c>exports.x =</c>, classes (methods and arrow-function fields become children), interfaces,
/// type aliases, enums, namespaces/modules (their declarations become children), with every export form
/// (<c>export</c>, <c>export default</c>, <c>declare</c>, <c>export declare</c>, <c>abstract</c>). Decorators and the comment
/// lines right above a symbol (JSDoc) belong to it.
/// </summary>
internal sealed class JavaScriptSplitter
{
    private static readonly byte[][] Continuing =
    [
        "."u8.ToArray(), ","u8.ToArray(), ")"u8.ToArray(), "]"u8.ToArray(), "}"u8.ToArray(), "?"u8.ToArray(),
        ":"u8.ToArray(), "=>"u8.ToArray(), "="u8.ToArray(), "|"u8.ToArray(), "&"u8.ToArray(), "+"u8.ToArray(),
        "-"u8.ToArray(), "*"u8.ToArray(), "%"u8.ToArray(), "^"u8.ToArray(), "else"u8.ToArray(), "catch"u8.ToArray(),
        "finally"u8.ToArray(), "extends"u8.ToArray(), "implements"u8.ToArray(), "as"u8.ToArray(),
        "satisfies"u8.ToArray(), "instanceof"u8.ToArray(), "in"u8.ToArray(), "of"u8.ToArray(),
    ];

    private static readonly byte[][] Continued =
    [
        ","u8.ToArray(), "="u8.ToArray(), "=>"u8.ToArray(), "("u8.ToArray(), "["u8.ToArray(), "."u8.ToArray(),
        "?"u8.ToArray(), ":"u8.ToArray(), "+"u8.ToArray(), "-"u8.ToArray(), "*"u8.ToArray(), "/"u8.ToArray(),
        "%"u8.ToArray(), "&"u8.ToArray(), "|"u8.ToArray(), "^"u8.ToArray(),
    ];

    /// <summary>Keywords that start a statement, never a type: a type annotation cannot run past a line that begins with one.</summary>
    private static readonly byte[][] StatementStarts =
        ["const"u8.ToArray(), "let"u8.ToArray(), "var"u8.ToArray(), "function"u8.ToArray(), "class"u8.ToArray(), "export"u8.ToArray(),
         "import"u8.ToArray(), "interface"u8.ToArray(), "enum"u8.ToArray(), "declare"u8.ToArray(), "async"u8.ToArray(), "return"u8.ToArray(),
         "if"u8.ToArray(), "for"u8.ToArray(), "while"u8.ToArray(), "do"u8.ToArray(), "switch"u8.ToArray(), "try"u8.ToArray(), "throw"u8.ToArray(),
         "namespace"u8.ToArray(), "abstract"u8.ToArray()];

    private static readonly byte[][] MemberModifiers =
    [
        "public"u8.ToArray(), "private"u8.ToArray(), "protected"u8.ToArray(), "static"u8.ToArray(),
        "readonly"u8.ToArray(), "abstract"u8.ToArray(), "override"u8.ToArray(), "declare"u8.ToArray(),
        "async"u8.ToArray(), "get"u8.ToArray(), "set"u8.ToArray(), "accessor"u8.ToArray(),
    ];

    private readonly ReadOnlyMemory<byte> _m;
    private readonly List<JsToken> _tokens;
    private readonly int[] _partner;
    private readonly List<int> _lineStarts = [];
    private readonly int[] _tokenLine;
    private int[] _firstCode = [];
    private bool[] _covered = [];
    private int[] _commentStartLine = [];
    private bool[] _hasCode = [];
    private bool[] _hasComment = [];

    private JavaScriptSplitter(ReadOnlyMemory<byte> content)
    {
        _m = content;
        _tokens = JsLexer.Tokenize(content.Span, out _partner);
        _tokenLine = new int[_tokens.Count];
        IndexLines();
    }

    public static void Split(ReadOnlyMemory<byte> content, SectionBuilder b) =>
        new JavaScriptSplitter(content).SplitBlock(b, 0, int.MaxValue, 0, null, member: false, minLine: 0, nesting: 0);

    private ReadOnlySpan<byte> Text(int t) => _m.Span.Slice(_tokens[t].Start, _tokens[t].End - _tokens[t].Start);

    private string Name(int t) => SectionBuilder.Decode(Text(t));

    private bool Is(int t, ReadOnlySpan<byte> text) => t < _tokens.Count && Text(t).SequenceEqual(text);

    private bool IsIdentifier(int t) => t < _tokens.Count && _tokens[t].Kind == JsTokenKind.Identifier;

    private static bool OneOf(ReadOnlySpan<byte> text, byte[][] set)
    {
        foreach (var item in set)
        {
            if (text.SequenceEqual(item))
                return true;
        }
        return false;
    }

    /// <summary>Maps tokens to lines: the first code token of each line, lines covered by a multi-line token, comment-only lines.</summary>
    private void IndexLines()
    {
        var s = _m.Span;
        for (var p = 0; p < s.Length;)
        {
            _lineStarts.Add(p);
            p = Lines.Next(s, p, out _);
        }
        var n = _lineStarts.Count;
        _firstCode = new int[n];
        Array.Fill(_firstCode, -1);
        _covered = new bool[n];
        _commentStartLine = new int[n];
        Array.Fill(_commentStartLine, -1);
        _hasCode = new bool[n];
        _hasComment = new bool[n];
        var line = 0;
        for (var t = 0; t < _tokens.Count; t++)
        {
            var token = _tokens[t];
            while (line + 1 < n && _lineStarts[line + 1] <= token.Start)
                line++;
            _tokenLine[t] = line;
            var comment = token.Kind == JsTokenKind.Comment;
            if (!comment && _firstCode[line] < 0)
                _firstCode[line] = t;
            (comment ? _hasComment : _hasCode)[line] = true;
            for (var m = line + 1; m < n && _lineStarts[m] < token.End; m++)
            {
                _covered[m] = true;
                (comment ? _hasComment : _hasCode)[m] = true;
                if (comment)
                    _commentStartLine[m] = line;
            }
        }
    }

    private void SplitBlock(SectionBuilder b, int from, int to, int depth, int? parent, bool member, int minLine, int nesting)
    {
        to = Math.Min(to, _tokens.Count);
        var statements = new List<ScriptStatement>();
        var firstLine = from < to ? _tokenLine[from] : _lineStarts.Count;
        var lastLine = to > from ? _tokenLine[to - 1] : -1;
        int? pendingStart = null;
        var skipThrough = -1;
        for (var line = firstLine; line <= lastLine; line++)
        {
            var t = _firstCode[line];
            if (t < from || t >= to || t <= skipThrough || _covered[line] || _tokens[t].Depth != depth || !StartsStatement(t, from))
                continue;
            var start = pendingStart ?? AttachStart(line, minLine);
            minLine = line + 1;
            var st = member ? RecognizeMember(t, to, depth) : RecognizeStatement(t, to, depth);
            if (st == DecoratorOnly)
            {
                pendingStart ??= start;
                continue;
            }
            pendingStart = null;
            statements.Add(st with { Start = start });
            // A container's header and body belong to it, even where a line in between looks like a statement.
            if (st.BodyFrom >= 0)
                skipThrough = _partner[st.BodyFrom] < 0 ? _tokens.Count : _partner[st.BodyFrom];
        }

        ScriptSections.Emit(b, statements, parent, parent is null, (st, index) =>
        {
            if (st.BodyFrom < 0 || nesting >= ScriptSections.MaxNesting)
                return;
            var open = st.BodyFrom;
            var close = _partner[open] < 0 ? _tokens.Count : _partner[open];
            SplitBlock(b, open + 1, close, _tokens[open].Depth + 1, index, st.Kind == SectionKind.Class, _tokenLine[open] + 1, nesting + 1);
        });
    }

    /// <summary>A line's first token starts a statement unless the line continues the previous one.</summary>
    private bool StartsStatement(int t, int from)
    {
        if (OneOf(Text(t), Continuing))
            return false;
        var p = t - 1;
        while (p >= from && _tokens[p].Kind == JsTokenKind.Comment)
            p--;
        return p < from || _tokens[p].Kind != JsTokenKind.Punctuator || !OneOf(Text(p), Continued);
    }

    /// <summary>The line to start a statement's section at: moved up over comment-only lines right above it (not a shebang).</summary>
    private int AttachStart(int line, int minLine)
    {
        var top = line;
        while (top - 1 >= minLine && _hasComment[top - 1] && !_hasCode[top - 1])
        {
            var above = top - 1;
            if (_commentStartLine[above] >= 0)
                above = _commentStartLine[above];
            if (above < minLine || _hasCode[above] || IsShebang(above))
                break;
            top = above;
        }
        return _lineStarts[top];
    }

    private bool IsShebang(int line) => line == 0 && _tokens.Count > 0 && _tokens[0].Kind == JsTokenKind.Comment
        && _m.Span[_tokens[0].Start..].StartsWith("#!"u8);

    private ScriptStatement RecognizeStatement(int t, int to, int depth)
    {
        var k = t;
        if (Is(k, "@"u8) && !SkipDecorators(ref k, to))
            return DecoratorOnly;
        var isDefault = false;
        while (k < to)
        {
            if (Is(k, "export"u8))
            {
                if (Is(k + 1, "="u8) || Is(k + 1, "*"u8) || Is(k + 1, "{"u8))
                    return Code;
                k++;
            }
            else if (Is(k, "default"u8))
                (isDefault, k) = (true, k + 1);
            else if (Is(k, "declare"u8) || (Is(k, "abstract"u8) && Is(k + 1, "class"u8)))
                k++;
            else
                break;
        }
        if (k >= to)
            return Code;

        if (Is(k, "async"u8) && Is(k + 1, "function"u8))
            k++;
        if (Is(k, "function"u8))
        {
            k++;
            if (Is(k, "*"u8))
                k++;
            var name = IsIdentifier(k) ? Name(k) : isDefault ? "default" : "(anonymous)";
            return new ScriptStatement(0, SectionKind.Function, name);
        }
        if (Is(k, "class"u8))
        {
            var name = IsIdentifier(k + 1) && !Is(k + 1, "extends"u8) && !Is(k + 1, "implements"u8) ? Name(k + 1) : "default";
            return new ScriptStatement(0, SectionKind.Class, name, FindBody(k + 1, to, depth));
        }
        if (Is(k, "interface"u8) && IsIdentifier(k + 1))
            return new ScriptStatement(0, SectionKind.Interface, Name(k + 1));
        if (Is(k, "type"u8) && IsIdentifier(k + 1) && (Is(k + 2, "="u8) || Is(k + 2, "<"u8)))
            return new ScriptStatement(0, SectionKind.TypeAlias, Name(k + 1));
        if (Is(k, "enum"u8) && IsIdentifier(k + 1))
            return new ScriptStatement(0, SectionKind.Enum, Name(k + 1));
        if (Is(k, "const"u8) && Is(k + 1, "enum"u8) && IsIdentifier(k + 2))
            return new ScriptStatement(0, SectionKind.Enum, Name(k + 2));
        if ((Is(k, "namespace"u8) || Is(k, "module"u8)) && k + 1 < to
            && _tokens[k + 1].Kind is JsTokenKind.Identifier or JsTokenKind.String)
        {
            var j = k + 2;
            while (Is(j, "."u8) && IsIdentifier(j + 1))
                j += 2;
            if (Is(j, "{"u8))
                return new ScriptStatement(0, SectionKind.Namespace, SectionBuilder.Decode(_m.Span.Slice(_tokens[k + 1].Start, _tokens[j - 1].End - _tokens[k + 1].Start)), j);
        }
        if (Is(k, "global"u8) && Is(k + 1, "{"u8))
            return new ScriptStatement(0, SectionKind.Namespace, "global", k + 1);
        if ((Is(k, "const"u8) || Is(k, "let"u8) || Is(k, "var"u8)) && IsIdentifier(k + 1))
        {
            var j = SkipTypeAnnotation(k + 2, to, depth);
            return Is(j, "="u8) && IsFunctionValue(j + 1, to) ? new ScriptStatement(0, SectionKind.Function, Name(k + 1)) : Code;
        }
        if (Is(k, "exports"u8) && Is(k + 1, "."u8) && IsIdentifier(k + 2) && Is(k + 3, "="u8))
            return IsFunctionValue(k + 4, to) ? new ScriptStatement(0, SectionKind.Function, Name(k + 2)) : Code;
        if (Is(k, "module"u8) && Is(k + 1, "."u8) && Is(k + 2, "exports"u8))
        {
            if (Is(k + 3, "."u8) && IsIdentifier(k + 4) && Is(k + 5, "="u8))
                return IsFunctionValue(k + 6, to) ? new ScriptStatement(0, SectionKind.Function, Name(k + 4)) : Code;
            if (Is(k + 3, "="u8))
                return IsFunctionValue(k + 4, to) ? new ScriptStatement(0, SectionKind.Function, "module.exports") : Code;
        }
        if (isDefault && IsFunctionValue(k, to))
            return new ScriptStatement(0, SectionKind.Function, "default");
        return Code;
    }

    private static ScriptStatement Code => new(0, SectionKind.Code, null);

    /// <summary>A line holding only decorators: the declaration they decorate starts on a later line and its section here.</summary>
    private static readonly ScriptStatement DecoratorOnly = new(-1, SectionKind.Code, "@");

    private ScriptStatement RecognizeMember(int t, int to, int depth)
    {
        var k = t;
        if (Is(k, "@"u8) && !SkipDecorators(ref k, to))
            return DecoratorOnly;
        while (k + 1 < to && IsIdentifier(k) && OneOf(Text(k), MemberModifiers) && _tokenLine[k + 1] == _tokenLine[k]
            && !(_tokens[k + 1].Kind == JsTokenKind.Punctuator && !Is(k + 1, "*"u8) && !Is(k + 1, "["u8) && !Is(k + 1, "#"u8)))
            k++;
        if (Is(k, "*"u8))
            k++;
        if (k >= to)
            return Code;

        int afterName;
        string name;
        if (_tokens[k].Kind is JsTokenKind.Identifier or JsTokenKind.String or JsTokenKind.Number)
            (name, afterName) = (Name(k), k + 1);
        else if (Is(k, "["u8) && _partner[k] > k)
            (name, afterName) = (SectionBuilder.Decode(_m.Span.Slice(_tokens[k].Start, _tokens[_partner[k]].End - _tokens[k].Start)), _partner[k] + 1);
        else
            return Code;

        var j = afterName;
        if (Is(j, "?"u8) || Is(j, "!"u8))
            j++;
        if (Is(j, "("u8) || Is(j, "<"u8))
            return new ScriptStatement(0, SectionKind.Function, name);
        j = SkipTypeAnnotation(j, to, depth);
        return Is(j, "="u8) && IsFunctionValue(j + 1, to) ? new ScriptStatement(0, SectionKind.Function, name) : Code;
    }

    /// <summary>Skips decorators (<c>@name</c>, <c>@a.b(args)</c>); true when a declaration follows on the same line.</summary>
    private bool SkipDecorators(ref int k, int to)
    {
        var line = _tokenLine[k];
        while (Is(k, "@"u8))
        {
            k++;
            while (IsIdentifier(k) && Is(k + 1, "."u8))
                k += 2;
            if (IsIdentifier(k))
                k++;
            if (Is(k, "("u8) && _partner[k] > k)
                k = _partner[k] + 1;
        }
        return k < to && _tokenLine[k] == line;
    }

    /// <summary>After a binding name: skips <c>!</c> and a type annotation, stopping at the '=' (or ';') at this depth.</summary>
    private int SkipTypeAnnotation(int j, int to, int depth)
    {
        if (Is(j, "!"u8))
            j++;
        if (!Is(j, ":"u8))
            return j;
        for (var limit = j + 400; j < to && j < limit; j++)
        {
            if (_tokens[j].Depth < depth || (_tokens[j].Depth == depth && (Is(j, "="u8) || Is(j, ";"u8))))
                return j;
            // Without a semicolon, a declaration keyword starting a later line ends the annotation (`let root: string`
            // then `const f = () => 1`): its '=' belongs to the next statement.
            if (_tokens[j].Depth == depth && _tokenLine[j] != _tokenLine[j - 1] && IsIdentifier(j) && OneOf(Text(j), StatementStarts))
                return j;
        }
        return j;
    }

    /// <summary>True when the expression at <paramref name="k"/> is a function: <c>function</c>, <c>x =&gt;</c>, <c>(..) =&gt;</c>, <c>&lt;T&gt;(..) =&gt;</c>, optionally async.</summary>
    private bool IsFunctionValue(int k, int to)
    {
        if (k >= to)
            return false;
        if (Is(k, "async"u8) && !Is(k + 1, "=>"u8))
            k++;
        if (Is(k, "function"u8) || (IsIdentifier(k) && Is(k + 1, "=>"u8)))
            return true;
        if (Is(k, "<"u8))
        {
            var angles = 0;
            for (var limit = k + 200; k < to && k < limit; k++)
            {
                if (Is(k, "<"u8))
                    angles++;
                else if (Is(k, ">"u8) && --angles == 0)
                {
                    k++;
                    break;
                }
            }
        }
        if (!Is(k, "("u8) || _partner[k] < k)
            return false;
        var baseDepth = _tokens[k].Depth;
        var j = _partner[k] + 1;
        if (Is(j, "=>"u8))
            return true;
        if (!Is(j, ":"u8))
            return false;
        for (var limit = j + 300; j < to && j < limit; j++)
        {
            if (_tokens[j].Depth < baseDepth || (_tokens[j].Depth == baseDepth && (Is(j, ";"u8) || Is(j, "="u8))))
                return false;
            if (_tokens[j].Depth == baseDepth && Is(j, "=>"u8))
                return true;
        }
        return false;
    }

    /// <summary>The '{' opening a class body: the first one at the statement's depth, before the next statement starts.</summary>
    private int FindBody(int k, int to, int depth)
    {
        for (var limit = k + 500; k < to && k < limit; k++)
        {
            if (_tokens[k].Depth != depth)
                continue;
            if (Is(k, "{"u8))
                return k;
            if (Is(k, ";"u8) || (_firstCode[_tokenLine[k]] == k && StartsStatement(k, 0)))
                return -1;
        }
        return -1;
    }
}
