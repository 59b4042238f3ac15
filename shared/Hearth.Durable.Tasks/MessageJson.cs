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
