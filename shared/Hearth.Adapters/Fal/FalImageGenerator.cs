using System.Text.Json.Nodes;
using Hearth.Images;
using Microsoft.Extensions.Options;

namespace Hearth.Adapters.Fal;

/// <summary>
/// <see cref="IImageGenerator"/> on Fal: base portraits with <c>Fal:BasePortraitModel</c> (default <c>fal-ai/flux/dev</c>)
/// from the appearance prompt; variations with <c>Fal:VariationModel</c> (default <c>fal-ai/nano-banana/edit</c>), which
/// receives the base portrait in <c>image_urls</c> and keeps the face.
/// </summary>
public sealed class FalImageGenerator(FalQueueClient client, IOptions<FalOptions> options) : IImageGenerator
{
    public const string ProviderName = "fal";

    private readonly FalOptions _options = options.Value;

    public string Provider => ProviderName;

    public bool IsPlaceholder => false;

    public bool UsesWebhooks => _options.WebhooksEnabled;

    public async Task<ImageSubmission> SubmitAsync(ImageRequest request, Uri? webhookUrl, CancellationToken ct)
    {
        request.Validate();
        var (model, input) = BuildInput(request);
        var submission = await client.SubmitAsync(model, input, webhookUrl, ct);
        return new ImageSubmission(ProviderName, submission.RequestId, model, request, submission.StatusUrl, submission.ResponseUrl, submission.CancelUrl);
    }

    /// <summary>The model and its input for a request (public so tests and logs can show exactly what is sent).</summary>
    public (string Model, JsonObject Input) BuildInput(ImageRequest request) => request.Kind switch
    {
        ImageKind.BasePortrait => (_options.BasePortraitModel, new JsonObject
        {
            ["prompt"] = request.Prompt,
            ["image_size"] = _options.BasePortraitImageSize,
            ["num_images"] = 1,
            ["enable_safety_checker"] = true,
        }),
        ImageKind.Variation => (_options.VariationModel, new JsonObject
        {
            ["prompt"] = request.Prompt,
            ["image_urls"] = new JsonArray(request.ReferenceImageUrl!.AbsoluteUri),
            ["num_images"] = 1,
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown image kind."),
    };

    public async Task<ImageJobStatus> GetStatusAsync(ImageSubmission submission, CancellationToken ct)
    {
        var status = await client.GetStatusAsync(Require(submission.StatusUrl, "status"), ct);
        var state = status.State switch
        {
            FalRequestState.InQueue => ImageJobState.Queued,
            FalRequestState.InProgress => ImageJobState.InProgress,
            _ => ImageJobState.Completed,
        };
        return new ImageJobStatus(state, status.QueuePosition, status.Error);
    }

    public async Task<ImageJobOutcome> GetResultAsync(ImageSubmission submission, CancellationToken ct)
    {
        try
        {
            var result = await client.GetResultAsync(Require(submission.ResponseUrl, "response"), ct);
            return ImageJobOutcome.Success(submission.RequestId, result.Images.Select(ToGenerated).ToList());
        }
        catch (ImageGenerationException e) when (!e.IsRetryable && e.StatusCode is 400 or 404 or 410 or 422)
        {
            // Fal answers the result of a failed (or expired) request with a client error that carries its reason.
            return ImageJobOutcome.Failure(submission.RequestId, e.Message);
        }
    }

    public Task CancelAsync(ImageSubmission submission, CancellationToken ct) =>
        client.CancelAsync(Require(submission.CancelUrl, "cancel"), ct);

    internal static GeneratedImage ToGenerated(FalImage image) =>
        new(image.Url, null, image.ContentType ?? "application/octet-stream", image.Width, image.Height);

    private static Uri Require(Uri? url, string which) =>
        url ?? throw new ImageGenerationException($"The submission has no Fal {which} URL; it was not made by Fal.", isRetryable: false);
}
