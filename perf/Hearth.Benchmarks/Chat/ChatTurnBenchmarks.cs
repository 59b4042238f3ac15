using BenchmarkDotNet.Attributes;
using Hearth.Chat;
using Hearth.Companions;
using Hearth.Memory;

namespace Hearth.Benchmarks.Chat;

/// <summary>The chat turn's in-process work with the offline model (no database): prompt, offline reply, guard, judgement.</summary>
[MemoryDiagnoser]
public class ChatTurnBenchmarks
{
    private static readonly SelfReferenceGuard Guard = new(ChatPrompt.Rules);
    private ReplyContext _context = null!;
    private string _reply = "";
    private int _seed;

    [GlobalSetup]
    public void Setup()
    {
        var agent = new Agent("01a1fd6c-0912-7c7e-b0cd-977c71cb7159", "01a1fd6c-0912-7c7e-b0cd-977c71cb7150", "Agent 17", "Loves plants and long walks.", "warm, curious",
            "short texts", "kind", "Lisbon", "florist", "Europe/Lisbon", null, null, WeeklyAvailability.Default, 0.2, 0.25, 32, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        var now = new DateTimeOffset(2025, 3, 4, 13, 5, 0, TimeSpan.Zero);
        var recent = Enumerable.Range(0, 12).Select(i => new ConversationMessage($"m{i}", agent.OwnerId, agent.Id, "s", i % 2 == 0 ? "user" : "agent",
            i % 2 == 0 ? "I had a long day at work, honestly." : "Oh no, that sounds hard. Do you want to talk about it?", now.AddMinutes(i))).ToList();
        _context = new ReplyContext(agent, "What are you doing right now?", AgentClock.At(now, agent.TimeZone), AvailabilityState.Working,
            new WeatherFlavour("mild, 15°C"), null, [], RecentTurnsRecall.From(recent), recent, null, recent[^1].Text);
        _reply = ChatOfflineResponder.Reply(_context, 1);
    }

    [Benchmark]
    public string Prompt() => ChatPrompt.Build(_context);

    [Benchmark]
    public string OfflineReply() => ChatOfflineResponder.Reply(_context, _seed++);

    [Benchmark]
    public GuardVerdict GuardCheck() => Guard.Check(_reply, _context.Agent.Name);

    [Benchmark]
    public FeelingChange Judge() => Sentiment.Judge(_context.UserText);

    [Benchmark]
    public bool PictureRequest() => PictureRequests.IsPictureRequest(_context.UserText);
}
