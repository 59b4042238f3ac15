using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hearth.Cli.Eval;

/// <summary>One turn of a haystack session: <c>{ role, content, has_answer? }</c>.</summary>
public sealed record EvalTurn(string Role, string Content, bool HasAnswer);

/// <summary>One haystack session with its id and date.</summary>
public sealed record EvalSession(string Id, DateTimeOffset Date, IReadOnlyList<EvalTurn> Turns);

/// <summary>One LongMemEval question; ids ending in <c>_abs</c> are abstention questions (nothing in the haystack answers them).</summary>
public sealed record EvalQuestion(string Id, string Type, string Question, string Answer, DateTimeOffset Date, IReadOnlyList<EvalSession> Sessions, IReadOnlyList<string> AnswerSessionIds)
{
    public bool IsAbstention => Id.EndsWith("_abs", StringComparison.Ordinal);
}

/// <summary>
/// Reads LongMemEval-format JSON: an array of <c>{ question_id, question_type, question, answer, question_date,
/// haystack_session_ids, haystack_dates, haystack_sessions: [[{ role, content, has_answer? }]], answer_session_ids }</c>.
/// Dates are LongMemEval's <c>2023/05/20 (Sat) 02:21</c> or ISO 8601.
/// </summary>
public static partial class LongMemEvalDataset
{
    /// <summary>The questions of a file; <see cref="FormatException"/> naming the question and field when the file is not that format.</summary>
    public static IReadOnlyList<EvalQuestion> Load(string path)
    {
        if (!File.Exists(path)) throw new FormatException($"Dataset file '{path}' does not exist.");
        using var stream = File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new FormatException($"Dataset file '{path}' is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new FormatException("The dataset must be a JSON array of questions.");
            var questions = new List<EvalQuestion>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                questions.Add(Read(element, index++));
            }
            var duplicate = questions.GroupBy(q => q.Id).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) throw new FormatException($"question_id '{duplicate.Key}' appears {duplicate.Count()} times.");
            if (questions.Count == 0) throw new FormatException("The dataset has no questions.");
            return questions;
        }
    }

    private static EvalQuestion Read(JsonElement element, int index)
    {
        var where = $"question {index + 1}";
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: not an object.");
        var id = RequiredString(element, "question_id", where);
        where = $"question '{id}'";
        var type = RequiredString(element, "question_type", where);
        var question = RequiredString(element, "question", where);
        var answer = element.TryGetProperty("answer", out var a) ? (a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText()) : "";
        var date = element.TryGetProperty("question_date", out var d) && d.ValueKind == JsonValueKind.String ? ParseDate(d.GetString()!, where, "question_date") : DateTimeOffset.UtcNow;

        if (!element.TryGetProperty("haystack_sessions", out var sessions) || sessions.ValueKind != JsonValueKind.Array)
            throw new FormatException($"{where}: haystack_sessions must be an array of sessions.");
        var ids = Strings(element, "haystack_session_ids", where);
        var dates = Strings(element, "haystack_dates", where);
        var count = sessions.GetArrayLength();
        if (ids is not null && ids.Count != count) throw new FormatException($"{where}: haystack_session_ids has {ids.Count} entries for {count} sessions.");
        if (dates is not null && dates.Count != count) throw new FormatException($"{where}: haystack_dates has {dates.Count} entries for {count} sessions.");

        var list = new List<EvalSession>(count);
        var s = 0;
        foreach (var session in sessions.EnumerateArray())
        {
            if (session.ValueKind != JsonValueKind.Array) throw new FormatException($"{where}: session {s + 1} must be an array of turns.");
            var turns = new List<EvalTurn>();
            foreach (var turn in session.EnumerateArray())
            {
                var role = turn.ValueKind == JsonValueKind.Object ? RequiredString(turn, "role", $"{where}, session {s + 1}") : null;
                if (role is not ("user" or "assistant")) throw new FormatException($"{where}, session {s + 1}: every turn needs role user or assistant.");
                var content = turn.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                var hasAnswer = turn.TryGetProperty("has_answer", out var h) && h.ValueKind == JsonValueKind.True;
                turns.Add(new EvalTurn(role, content, hasAnswer));
            }
            var sessionId = ids?[s] ?? $"session_{s + 1}";
            var sessionDate = dates is null ? date : ParseDate(dates[s], where, $"haystack_dates[{s}]");
            list.Add(new EvalSession(sessionId, sessionDate, turns));
            s++;
        }
        if (list.Select(x => x.Id).Distinct().Count() != list.Count) throw new FormatException($"{where}: haystack_session_ids repeat.");
        var answerSessions = Strings(element, "answer_session_ids", where) ?? [];
        return new EvalQuestion(id, type, question, answer, date, list, answerSessions);
    }

    /// <summary>LongMemEval's <c>2023/05/20 (Sat) 02:21</c>, or ISO 8601; UTC.</summary>
    public static DateTimeOffset ParseDate(string value, string where, string field)
    {
        var match = LongMemEvalDate().Match(value.Trim());
        if (match.Success)
        {
            var hour = match.Groups[4].Success ? int.Parse(match.Groups[4].Value, CultureInfo.InvariantCulture) : 0;
            var minute = match.Groups[5].Success ? int.Parse(match.Groups[5].Value, CultureInfo.InvariantCulture) : 0;
            return new DateTimeOffset(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture), hour, minute, 0, TimeSpan.Zero);
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return parsed.ToUniversalTime();
        throw new FormatException($"{where}: {field} '{value}' is not a date (2023/05/20 (Sat) 02:21 or ISO 8601).");
    }

    private static string RequiredString(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{where}: {name} is required (a non-empty string).");

    private static List<string>? Strings(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Array) throw new FormatException($"{where}: {name} must be an array of strings.");
        return value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()).ToList();
    }

    [GeneratedRegex(@"^(\d{4})/(\d{1,2})/(\d{1,2})(?:\s*\([A-Za-z]+\))?(?:\s+(\d{1,2}):(\d{2}))?$")]
    private static partial Regex LongMemEvalDate();
}
