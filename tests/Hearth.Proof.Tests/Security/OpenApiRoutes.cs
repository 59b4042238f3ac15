using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Hearth.Proof.Tests.Security;

/// <summary>One operation of the host's OpenAPI document.</summary>
public sealed record ApiOperation(string Method, string Path, string OperationId, bool RequiresToken, bool AdminOnly, IReadOnlyList<ApiParameter> Parameters, bool HasBody)
{
    public IEnumerable<string> PathParameters => Parameters.Where(p => p.In == "path").Select(p => p.Name);

    public IEnumerable<string> QueryParameters => Parameters.Where(p => p.In == "query").Select(p => p.Name);

    public override string ToString() => $"{Method} {Path} ({OperationId})";

    /// <summary>The path with every <c>{name}</c> replaced by <paramref name="value"/>(name) (escaped).</summary>
    public string Fill(Func<string, string> value)
    {
        var path = Path;
        foreach (var name in PathParameters) path = path.Replace("{" + name + "}", Uri.EscapeDataString(value(name)));
        return path;
    }

    /// <summary>A request for this operation, with a JSON body when the operation takes one.</summary>
    public HttpRequestMessage Request(string path, string? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), path);
        if (body is not null || HasBody) request.Content = new StringContent(body ?? "{}", Encoding.UTF8, contentType);
        return request;
    }
}

/// <summary>A parameter of an operation (path or query).</summary>
public sealed record ApiParameter(string Name, string In);

/// <summary>Reads the operations from the host's own <c>/openapi/v1.json</c>, so routes added later are covered without editing the tests.</summary>
public static class OpenApiRoutes
{
    private static readonly string[] Methods = ["get", "put", "post", "patch", "delete", "head"];

    public static async Task<IReadOnlyList<ApiOperation>> ReadAsync(HttpClient anonymous)
    {
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = new List<ApiOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in Methods)
            {
                if (!path.Value.TryGetProperty(method, out var operation)) continue;
                var parameters = new List<ApiParameter>();
                foreach (var source in new[] { path.Value, operation })
                {
                    if (!source.TryGetProperty("parameters", out var list)) continue;
                    parameters.AddRange(list.EnumerateArray().Select(p => new ApiParameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!)));
                }
                var responses = operation.TryGetProperty("responses", out var r) ? r : default;
                operations.Add(new ApiOperation(
                    method.ToUpperInvariant(),
                    path.Name,
                    operation.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{method} {path.Name}",
                    operation.TryGetProperty("security", out var security) && security.GetArrayLength() > 0,
                    responses.ValueKind == JsonValueKind.Object && responses.TryGetProperty("403", out var forbidden) && IsAdminOnly(forbidden),
                    parameters,
                    operation.TryGetProperty("requestBody", out _)));
            }
        }
        return operations;
    }

    // The host's OpenAPI setup adds this 403 to admin operations only; a feature's own 403 reads differently.
    private static bool IsAdminOnly(JsonElement response) =>
        response.TryGetProperty("description", out var description) && description.GetString()?.StartsWith("Admins only", StringComparison.Ordinal) == true;
}
