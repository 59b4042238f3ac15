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

    public static string Write(TaskMessage message) => JsonConvert.SerializeObject(message, Settings);

    public static string Write(HistoryEvent e) => JsonConvert.SerializeObject(e, Settings);

    public static TaskMessage ReadMessage(string json) =>
        JsonConvert.DeserializeObject<TaskMessage>(json, Settings) ?? throw new InvalidDataException("A stored task message is empty.");

    public static HistoryEvent ReadEvent(string json) =>
        JsonConvert.DeserializeObject<HistoryEvent>(json, Settings) ?? throw new InvalidDataException("A stored history event is empty.");

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
