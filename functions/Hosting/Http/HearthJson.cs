using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hearth.Functions.Hosting;

/// <summary>Text that PostgreSQL cannot store (U+0000) in a request: a 400 before anything reaches the database.</summary>
public sealed class UnstorableTextException() : JsonException(Detail)
{
    public const string Detail = "The request contains characters that cannot be stored (U+0000).";
}

/// <summary>The API's JSON: camelCase, enums as their names, times as ISO 8601 in UTC ("…Z").</summary>
public static class HearthJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.Converters.Add(new StorableStringConverter());
    }

    /// <summary>
    /// Refuses U+0000 in any string of a body: PostgreSQL cannot store it, and letting the database refuse it mid-statement
    /// has been seen to leave a pooled connection out of step with the server (the next request on it failed).
    /// </summary>
    private sealed class StorableStringConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return value is not null && value.Contains('\0') ? throw new UnstorableTextException() : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>Writes every time in UTC with a 'Z'; reads any ISO 8601 offset.</summary>
    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
