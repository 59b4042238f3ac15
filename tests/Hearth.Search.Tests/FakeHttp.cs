using System.Net;
using System.Text;
using System.Text.Json;

namespace Hearth.Search.Tests;

/// <summary>One request as it left the client: method, URL, headers and body.</summary>
internal sealed record CapturedRequest(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, string Body)
{
    public string PathAndQuery => Uri.PathAndQuery;
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// The network boundary for the OpenAI and Azure AI Search clients: records every request and answers with whatever
/// the test's responder returns, so the real SDK code builds and sends the requests.
/// </summary>
internal sealed class FakeHttp(Func<CapturedRequest, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<CapturedRequest> Requests { get; } = [];

    public HttpClient Client() => new(this);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
        var captured = new CapturedRequest(request.Method, request.RequestUri!, headers, body);
        lock (Requests) Requests.Add(captured);
        var response = respond(captured);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(object body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Status(HttpStatusCode status, string? json = null) =>
        new(status) { Content = new StringContent(json ?? "", Encoding.UTF8, "application/json") };
}
