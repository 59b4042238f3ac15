using DurableTask.Core;
using DurableTask.Core.History;

namespace Hearth.Durable.Tasks.Tests;

/// <summary>A checkpoint writes each scheduled call's event once and reuses it in the call's message: it must read back exactly as a message written whole.</summary>
public sealed class MessageJsonTests
{
    [Fact]
    public void A_message_written_around_its_event_s_json_reads_back_as_the_message_written_whole()
    {
        var instance = new OrchestrationInstance { InstanceId = "fan-out", ExecutionId = "x1" };
        var events = Enumerable.Range(0, 3).Select(i => (HistoryEvent)new TaskScheduledEvent(i, "Square", "", $"{i}") { Tags = i == 1 ? new Dictionary<string, string> { ["k"] = "v" } : null }).ToList();
        // As DurableTask.Core schedules calls: a new execution context for each.
        var messages = events.Select(e => new TaskMessage { Event = e, OrchestrationInstance = instance, OrchestrationExecutionContext = new OrchestrationExecutionContext() }).ToList();
        // The last message's event is another object than any written event: written whole.
        messages.Add(new TaskMessage { Event = new TaskScheduledEvent(9, "Square", "", "9"), OrchestrationInstance = instance, SequenceNumber = 4 });
        var json = events.ToDictionary<HistoryEvent, HistoryEvent, string>(e => e, e => MessageJson.Write(e), ReferenceEqualityComparer.Instance);

        var written = MessageJson.Write(messages, e => json.GetValueOrDefault(e));

        Assert.Equal(messages.Count, written.Length);
        for (var i = 0; i < messages.Count; i++)
        {
            Assert.Equal(MessageJson.Write(messages[i]), MessageJson.Write(MessageJson.ReadMessage(written[i])));
            var read = MessageJson.ReadMessage(written[i]);
            Assert.Equal("fan-out", read.OrchestrationInstance.InstanceId);
            Assert.Equal(((TaskScheduledEvent)messages[i].Event).Input, ((TaskScheduledEvent)read.Event).Input);
        }
        Assert.Equal("v", ((TaskScheduledEvent)MessageJson.ReadMessage(written[1]).Event).Tags!["k"]);
        // What else a message carries goes with it (DurableTask.Core sets the execution context on the calls it schedules).
        Assert.Contains("OrchestrationExecutionContext", written[2]);
        Assert.NotNull(MessageJson.ReadMessage(written[2]).OrchestrationExecutionContext);
    }
}
