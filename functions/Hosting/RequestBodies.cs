namespace Hearth.Functions.Hosting;

/// <summary>Raw request bodies for routes that take bytes (skill files, character cards).</summary>
public static class RequestBodies
{
    /// <summary>The body's bytes, or null as soon as it is longer than <paramref name="limit"/> (the rest is not read).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit) return null;
        }
        return buffer.ToArray();
    }
}
