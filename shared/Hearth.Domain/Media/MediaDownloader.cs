using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hearth.Media;

/// <summary>
/// Copies a remote picture (a Fal result URL, which Fal deletes later) into the media store, with the store's size
/// cap and type checks, a refusal of bodies announced as too large or as something other than an image, and a timeout
/// over the whole download (<c>Media:DownloadTimeout</c>). Failures say whether trying again can help.
/// </summary>
public sealed class MediaDownloader(HttpClient http, IMediaStore store, IOptions<MediaOptions> options, ILogger<MediaDownloader> logger)
{
    private readonly MediaOptions _options = options.Value;

    /// <summary>
    /// Downloads <paramref name="url"/> and stores it for <paramref name="owner"/>. Throws <see cref="MediaRejectedException"/>
    /// when the content is not acceptable and <see cref="MediaDownloadException"/> when the download fails.
    /// </summary>
    public async Task<MediaItem> DownloadAsync(Guid owner, Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http"))
            throw new MediaRejectedException("Pictures are downloaded from absolute http(s) URLs only.");
        var host = url.Host;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.DownloadTimeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var retryable = status is 408 or 429 || status >= 500;
                throw new MediaDownloadException(
                    response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone
                        ? $"The picture at {host} is gone ({status})."
                        : $"Downloading the picture from {host} failed with {status} {response.ReasonPhrase}.",
                    retryable, status);
            }

            if (response.Content.Headers.ContentLength is { } length && length > _options.MaxBytes)
                throw new MediaRejectedException($"The picture at {host} is {length} bytes; at most {_options.MaxBytes} are allowed (Media:MaxBytes).");

            var declared = MediaTypes.Normalize(response.Content.Headers.ContentType?.MediaType);
            if (declared is "application/octet-stream" or "binary/octet-stream") declared = null; // let the bytes decide
            if (declared is not null && !MediaTypes.Allowed.Contains(declared))
                throw new MediaRejectedException($"The server at {host} answered '{declared}', not a picture.");

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var item = await store.PutAsync(owner, body, declared, timeout.Token);
            logger.LogInformation("Copied a picture from {Host} into media {MediaId}", host, item.Id);
            return item;
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new MediaDownloadException($"Downloading the picture from {host} took longer than {_options.DownloadTimeout.TotalSeconds:0.#} s.", true, inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new MediaDownloadException($"Downloading the picture from {host} failed: {e.Message}", true, inner: e);
        }
        catch (IOException e)
        {
            // The connection broke while the body streamed.
            throw new MediaDownloadException($"Downloading the picture from {host} was cut off: {e.Message}", true, inner: e);
        }
    }
}
