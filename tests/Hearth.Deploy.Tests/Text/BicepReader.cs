using System.Text;

namespace Hearth.Deploy.Tests.Text;

/// <summary>
/// Reads Bicep values (objects, arrays, strings, and other expressions kept as text) from source text. Enough of the
/// grammar for checking what a template declares; the Bicep compiler is not available here.
/// </summary>
public sealed class BicepReader(string text)
{
    private int _position;

    /// <summary>Reads the value starting at <paramref name="position"/> (leading spaces allowed).</summary>
    public static BicepValue ReadValueAt(string text, int position)
    {
        var reader = new BicepReader(text) { _position = position };
        return reader.ReadValue();
    }

    /// <summary>
    /// Every object literal inside an expression such as <c>concat([...], cond ? [...] : [])</c>, with whether it sits in a
    /// branch of a condition (present only in some deployments).
    /// </summary>
    public static IReadOnlyList<(BicepObject Object, bool Conditional)> ObjectsIn(string expression)
    {
        var found = new List<(BicepObject, bool)>();
        var arrays = new Stack<bool>(); // for each open '[': is it a branch of a condition?
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c == '\'')
            {
                i = SkipString(expression, i);
                continue;
            }
            if (c == '[')
            {
                var before = PreviousToken(expression, i);
                arrays.Push(before is '?' or ':' || (arrays.Count > 0 && arrays.Peek()));
                i++;
                continue;
            }
            if (c == ']')
            {
                if (arrays.Count > 0) arrays.Pop();
                i++;
                continue;
            }
            if (c == '{')
            {
                var reader = new BicepReader(expression) { _position = i };
                found.Add((reader.ReadObject(), arrays.Count > 0 && arrays.Peek()));
                i = reader._position;
                continue;
            }
            i++;
        }
        return found;
    }

    private static char PreviousToken(string text, int index)
    {
        for (var j = index - 1; j >= 0; j--)
            if (!char.IsWhiteSpace(text[j])) return text[j];
        return '\0';
    }

    private BicepValue ReadValue()
    {
        SkipTrivia(newlines: false);
        var start = _position;
        BicepValue value;
        if (Peek() == '{') value = ReadObject();
        else if (Peek() == '[' && !StartsLoop()) value = ReadArray();
        else if (At("'''")) value = ReadMultilineString();
        else if (Peek() == '\'') value = ReadString();
        else return ReadExpression(start);

        // `{...}.x`, `'a' == b ? ...`: the literal was only the start of an expression.
        var end = _position;
        SkipTrivia(newlines: false);
        if (_position < text.Length && Peek() is not ('\n' or '\r' or ',' or '}' or ']' or ')'))
            return ReadExpression(start);
        _position = end;
        return value;
    }

    private bool StartsLoop()
    {
        var j = _position + 1;
        while (j < text.Length && char.IsWhiteSpace(text[j])) j++;
        return string.CompareOrdinal(text, j, "for ", 0, 4) == 0;
    }

    private BicepObject ReadObject()
    {
        Expect('{');
        var properties = new Dictionary<string, BicepValue>(StringComparer.Ordinal);
        while (true)
        {
            SkipTrivia(newlines: true, commas: true);
            if (Peek() == '}')
            {
                _position++;
                return new BicepObject(properties);
            }
            var key = Peek() == '\'' ? ReadString().Text : ReadIdentifier();
            SkipTrivia(newlines: false);
            Expect(':');
            properties[key] = ReadValue();
        }
    }

    private BicepArray ReadArray()
    {
        Expect('[');
        var items = new List<BicepValue>();
        while (true)
        {
            SkipTrivia(newlines: true, commas: true);
            if (Peek() == ']')
            {
                _position++;
                return new BicepArray(items);
            }
            items.Add(ReadValue());
        }
    }

    private BicepString ReadString()
    {
        Expect('\'');
        var content = new StringBuilder();
        var interpolations = new List<string>();
        while (true)
        {
            if (_position >= text.Length) throw Error("unterminated string");
            var c = text[_position];
            if (c == '\'')
            {
                _position++;
                return new BicepString(content.ToString(), interpolations);
            }
            if (c == '\\' && _position + 1 < text.Length)
            {
                var escaped = text[_position + 1];
                content.Append(escaped switch { 'n' => '\n', 'r' => '\r', 't' => '\t', _ => escaped });
                _position += 2;
                continue;
            }
            if (c == '$' && _position + 1 < text.Length && text[_position + 1] == '{')
            {
                var end = MatchingBrace(_position + 1);
                var expression = text[(_position + 2)..end];
                interpolations.Add(expression);
                content.Append("${").Append(expression).Append('}');
                _position = end + 1;
                continue;
            }
            content.Append(c);
            _position++;
        }
    }

    private BicepString ReadMultilineString()
    {
        _position += 3;
        var end = text.IndexOf("'''", _position, StringComparison.Ordinal);
        if (end < 0) throw Error("unterminated multi-line string");
        var content = text[_position..end];
        if (content.StartsWith("\r\n", StringComparison.Ordinal)) content = content[2..];
        else if (content.StartsWith('\n')) content = content[1..];
        _position = end + 3;
        return new BicepString(content, []);
    }

    /// <summary>Up to the end of the line, a comma or an unmatched closing bracket, across nested brackets and strings.</summary>
    private BicepExpression ReadExpression(int start)
    {
        _position = start;
        var depth = 0;
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c == '\'')
            {
                _position = At("'''") ? text.IndexOf("'''", _position + 3, StringComparison.Ordinal) + 3 : SkipString(text, _position);
                continue;
            }
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}')
            {
                if (depth == 0) break;
                depth--;
            }
            else if (depth == 0 && c is '\n' or '\r' or ',') break;
            else if (depth == 0 && c == '/' && _position + 1 < text.Length && text[_position + 1] == '/') break;
            _position++;
        }
        var expression = text[start.._position].Trim();
        if (expression.Length == 0) throw Error("expected a value");
        return new BicepExpression(expression);
    }

    private static int SkipString(string text, int index)
    {
        var i = index + 1;
        while (i < text.Length)
        {
            if (text[i] == '\\') { i += 2; continue; }
            if (text[i] == '\'') return i + 1;
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var depth = 0;
                for (i++; i < text.Length; i++)
                {
                    if (text[i] == '{') depth++;
                    else if (text[i] == '}' && --depth == 0) break;
                    else if (text[i] == '\'') i = SkipString(text, i) - 1;
                }
            }
            i++;
        }
        return text.Length;
    }

    private int MatchingBrace(int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '\'') { i = SkipString(text, i) - 1; continue; }
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return i;
        }
        throw Error("unterminated interpolation");
    }

    private string ReadIdentifier()
    {
        var start = _position;
        while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] == '_')) _position++;
        if (_position == start) throw Error("expected a property name");
        return text[start.._position];
    }

    private void SkipTrivia(bool newlines, bool commas = false)
    {
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c is ' ' or '\t' || (newlines && c is '\n' or '\r') || (commas && c == ',')) _position++;
            else if (At("//")) while (_position < text.Length && text[_position] != '\n') _position++;
            else if (At("/*"))
            {
                var end = text.IndexOf("*/", _position + 2, StringComparison.Ordinal);
                _position = end < 0 ? text.Length : end + 2;
            }
            else return;
        }
    }

    private char Peek() => _position < text.Length ? text[_position] : '\0';

    private bool At(string token) => string.CompareOrdinal(text, _position, token, 0, token.Length) == 0;

    private void Expect(char c)
    {
        if (Peek() != c) throw Error($"expected '{c}'");
        _position++;
    }

    private FormatException Error(string what)
    {
        var line = text.Take(Math.Min(_position, text.Length)).Count(ch => ch == '\n') + 1;
        return new FormatException($"Bicep text, line {line}: {what}.");
    }
}
