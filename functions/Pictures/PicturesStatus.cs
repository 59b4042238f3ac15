using Hearth.Adapters.Fal;
using Hearth.Functions.Status;
using Microsoft.Extensions.Options;

namespace Hearth.Functions.Pictures;

/// <summary>
/// <c>providers.images</c> in <c>/api/status</c>: which generator paints (<c>fal</c> or <c>placeholder</c>), whether Fal
/// calls back (<c>webhook</c>) or is polled (<c>polling</c>), the models, and the queue's host. Never the key.
/// </summary>
internal sealed class PicturesStatus(IOptions<FalOptions> fal, IOptions<PicturesOptions> pictures) : IStatusContributor
{
    public string Name => "images";

    /// <summary>The same without the queue's host (a deployment may point it at a proxy of its own).</summary>
    public Task<object?> DescribeForUserAsync(CancellationToken ct) => Task.FromResult<object?>(fal.Value.IsConfigured
        ? new { generator = "fal", basePortraitModel = (string?)fal.Value.BasePortraitModel, variationModel = (string?)fal.Value.VariationModel, deadline = pictures.Value.Deadline }
        : new { generator = "placeholder", basePortraitModel = (string?)null, variationModel = (string?)null, deadline = pictures.Value.Deadline });

    public Task<object?> DescribeAsync(CancellationToken ct)
    {
        var f = fal.Value;
        var p = pictures.Value;
        object description = f.IsConfigured
            ? new
            {
                generator = "fal",
                completion = f.WebhooksEnabled ? "webhook" : "polling",
                queueHost = f.QueueBaseUrl.Host,
                basePortraitModel = f.BasePortraitModel,
                variationModel = f.VariationModel,
                variationReference = f.WebhooksEnabled ? "signed-url" : "data-url",
                deadline = p.Deadline,
            }
            : new { generator = "placeholder", completion = "at-submit", deadline = p.Deadline };
        return Task.FromResult<object?>(description);
    }
}
