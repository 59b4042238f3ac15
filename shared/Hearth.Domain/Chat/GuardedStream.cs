using System.Text;
using System.Text.RegularExpressions;

namespace Hearth.Chat;

/// <summary>
/// Streams a reply sentence by sentence through the <see cref="SelfReferenceGuard"/>: text reaches the observer only once
/// its sentence is complete and checked (rewritten or dropped when it breaks character), and nothing after the start
/// of a feelings tag is shown. What was emitted is the reply.
/// </summary>
internal sealed partial class GuardedStream(SelfReferenceGuard guard, string agentName, IChatTurnObserver observer)
{
    private readonly StringBuilder _pending = new();
    private readonly List<string> _emitted = [];
    private readonly List<string> _violations = [];
    private bool _tagStarted;
    private int _sentences;
    private int _dropped;

    [GeneratedRegex(@"[.!?…]+[""”’')\]]*\s+|\n+", RegexOptions.CultureInvariant)]
    private static partial Regex Boundary();

    public string Text => string.Join(" ", _emitted).Trim();

    public IReadOnlyList<string> Violations => _violations;

    /// <summary>Same rule as <see cref="SelfReferenceGuard.Check"/>: some words left, at most half the sentences dropped.</summary>
    public bool Usable => Text.Any(char.IsLetter) && _dropped * 2 <= _sentences;

    public async ValueTask AppendAsync(string delta, CancellationToken ct)
    {
        if (_tagStarted) return;
        _pending.Append(delta);
        var text = _pending.ToString();
        var tag = text.IndexOf(FeelingsTag.Start, StringComparison.Ordinal);
        if (tag >= 0)
        {
            _tagStarted = true;
            _pending.Clear().Append(text[..tag]);
            return; // the rest is emitted by FlushAsync
        }
        // Hold a trailing "[" back: it may be the start of a tag.
        var limit = text.EndsWith('[') ? text.Length - 1 : text.Length;
        var end = 0;
        foreach (Match match in Boundary().Matches(text[..limit])) end = match.Index + match.Length;
        if (end == 0) return;
        var complete = text[..end];
        _pending.Remove(0, end);
        foreach (var sentence in Split(complete)) await EmitAsync(sentence, ct);
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        var rest = _pending.ToString();
        _pending.Clear();
        foreach (var sentence in Split(rest)) await EmitAsync(sentence, ct);
    }

    /// <summary>The provider failed mid-reply: forget everything (the observer is told by the caller).</summary>
    public void Reset()
    {
        _pending.Clear();
        _emitted.Clear();
        _violations.Clear();
        _tagStarted = false;
        _sentences = 0;
        _dropped = 0;
    }

    private async ValueTask EmitAsync(string sentence, CancellationToken ct)
    {
        if (sentence.Trim().Length == 0) return;
        _sentences++;
        var (kept, found) = guard.CheckSentence(sentence.Trim(), agentName);
        foreach (var v in found) if (!_violations.Contains(v)) _violations.Add(v);
        if (kept is null)
        {
            _dropped++;
            return;
        }
        await observer.OnTextAsync(_emitted.Count == 0 ? kept : " " + kept, ct);
        _emitted.Add(kept);
    }

    private static IEnumerable<string> Split(string text)
    {
        var start = 0;
        foreach (Match match in Boundary().Matches(text))
        {
            var end = match.Index + match.Length;
            yield return text[start..end];
            start = end;
        }
        if (start < text.Length) yield return text[start..];
    }
}
