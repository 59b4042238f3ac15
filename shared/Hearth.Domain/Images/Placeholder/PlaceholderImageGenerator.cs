using System.Security.Cryptography;
using System.Text;

namespace Hearth.Images.Placeholder;

/// <summary>
/// The image generator used when no Fal key is configured. It runs through the same orchestration as Fal: a submission
/// is complete at once (<see cref="ImageSubmission.CompletedAtSubmit"/>), and the result is painted again from the
/// request (deterministic), so the bytes never travel through orchestration state. Every picture is labelled.
/// </summary>
public sealed class PlaceholderImageGenerator : IImageGenerator
{
    public const string ProviderName = "placeholder";
    public const string ModelName = "hearth/placeholder-v1";

    public string Provider => ProviderName;

    public bool IsPlaceholder => true;

    public bool UsesWebhooks => false;

    public Task<ImageSubmission> SubmitAsync(ImageRequest request, Uri? webhookUrl, CancellationToken ct)
    {
        request.Validate();
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Kind}\n{request.AgentId}\n{request.Prompt}")))[..32];
        return Task.FromResult(new ImageSubmission(ProviderName, "placeholder-" + id, ModelName, request, null, null, null, CompletedAtSubmit: true));
    }

    public Task<ImageJobStatus> GetStatusAsync(ImageSubmission submission, CancellationToken ct) =>
        Task.FromResult(new ImageJobStatus(ImageJobState.Completed));

    public Task<ImageJobOutcome> GetResultAsync(ImageSubmission submission, CancellationToken ct)
    {
        var request = submission.Request;
        var png = PlaceholderPainter.Paint(request.AgentId, request.Kind, request.Prompt);
        var image = new GeneratedImage(null, png, PlaceholderPainter.ContentType, PlaceholderPainter.Width, PlaceholderPainter.Height);
        return Task.FromResult(ImageJobOutcome.Success(submission.RequestId, [image]));
    }

    public Task CancelAsync(ImageSubmission submission, CancellationToken ct) => Task.CompletedTask;
}
