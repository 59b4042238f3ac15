using DurableTask.Core;
using DurableTask.Core.History;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace Hearth.Durable.Tasks;

/// <summary>
/// DurableTask.Core's messages and history events as JSON, the way its own providers store them (Json.NET with type
/// names, since <see cref="HistoryEvent"/> is polymorphic). Type names are read back only for DurableTask.Core's own
/// types, so a row in the tables cannot make the host instantiate anything else.
/// </summary>
internal static class MessageJson
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        TypeNameHandling = TypeNameHandling.Objects,
        SerializationBinder = new CoreTypesOnly(),
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
        NullValueHandling = NullValueHandling.Ignore,
    };

    // One serializer for the process (it is thread-safe once configured): JsonConvert would build one per call, which
    // was most of the cost of writing a fan-out's thousand calls.
    private static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

    public static string Write(TaskMessage message) => Serialize(message);

    public static string Write(HistoryEvent e) => Serialize(e);

    private static readonly string MessagePrefix = $"{{\"$type\":\"{typeof(TaskMessage).FullName}, {typeof(TaskMessage).Assembly.GetName().Name}\"";

    /// <summary>
    /// Writes messages whose event is already written as JSON (<paramref name="eventJson"/>, from <see cref="Write(HistoryEvent)"/>
    /// of the very same event): a checkpoint records each scheduled call once in the history and once as a message, and
    /// writing the event once saves half of the work of a large fan-out's first checkpoint. The rest of a message (its
    /// instance, sequence number, execution context) is written once for every message that shares it. Reads back as <see cref="Write(TaskMessage)"/> does.
    /// </summary>
    public static string[] Write(IReadOnlyList<TaskMessage> messages, Func<HistoryEvent, string?> eventJson)
    {
        var written = new string[messages.Count];
        (OrchestrationInstance? Instance, long Sequence, bool HasContext, object? Tags, System.Runtime.Serialization.ExtensionDataObject? Extension, string? Tail) shell = default;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (eventJson(message.Event) is not { } json)
            {
                written[i] = Serialize(message);
                continue;
            }
            // DurableTask.Core gives each call a new execution context around the instance's one tags dictionary: contexts
            // with the same tags write the same.
            var context = message.OrchestrationExecutionContext;
            if (shell.Tail is null || !ReferenceEquals(shell.Instance, message.OrchestrationInstance) || shell.Sequence != message.SequenceNumber
                || shell.HasContext != context is not null || !ReferenceEquals(shell.Tags, context?.OrchestrationTags)
                || !ReferenceEquals(shell.Extension, message.ExtensionData))
            {
                // The message without its event: everything else it carries, written as a whole message would write it.
                var empty = Serialize(new TaskMessage
                {
                    SequenceNumber = message.SequenceNumber,
                    OrchestrationInstance = message.OrchestrationInstance,
                    OrchestrationExecutionContext = message.OrchestrationExecutionContext,
                    ExtensionData = message.ExtensionData,
                });
                shell = (message.OrchestrationInstance, message.SequenceNumber, context is not null, context?.OrchestrationTags, message.ExtensionData,
                    empty.StartsWith(MessagePrefix, StringComparison.Ordinal) ? empty[MessagePrefix.Length..] : null);
                if (shell.Tail is null)
                {
                    written[i] = Serialize(message);
                    continue;
                }
            }
            written[i] = string.Concat(MessagePrefix, ",\"Event\":", json, shell.Tail);
        }
        return written;
    }

    public static TaskMessage ReadMessage(string json) =>
        Deserialize<TaskMessage>(json) ?? throw new InvalidDataException("A stored task message is empty.");

    public static HistoryEvent ReadEvent(string json) =>
        Deserialize<HistoryEvent>(json) ?? throw new InvalidDataException("A stored history event is empty.");

    private static string Serialize(object value)
    {
        var text = new StringWriter(new System.Text.StringBuilder(256), System.Globalization.CultureInfo.InvariantCulture);
        using (var writer = new JsonTextWriter(text) { Formatting = Formatting.None })
            Serializer.Serialize(writer, value);
        return text.ToString();
    }

    private static T? Deserialize<T>(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json));
        return Serializer.Deserialize<T>(reader);
    }

    private sealed class CoreTypesOnly : ISerializationBinder
    {
        private static readonly System.Reflection.Assembly Core = typeof(HistoryEvent).Assembly;
        private readonly DefaultSerializationBinder _inner = new();

        public Type BindToType(string? assemblyName, string typeName)
        {
            var type = _inner.BindToType(assemblyName, typeName);
            if (type.Assembly == Core || type.Assembly == typeof(object).Assembly || type.Assembly == typeof(Dictionary<,>).Assembly)
                return type;
            throw new JsonSerializationException($"Type {typeName} is not a DurableTask.Core type and is not read from the task store.");
        }

        public void BindToName(Type serializedType, out string? assemblyName, out string? typeName) =>
            _inner.BindToName(serializedType, out assemblyName, out typeName);
    }
}
