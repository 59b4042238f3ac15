namespace Hearth.Images;

/// <summary>What kind of picture a job makes.</summary>
public enum ImageKind
{
    /// <summary>The agent's base portrait, drawn from its appearance prompt.</summary>
    BasePortrait,

    /// <summary>A new picture of the agent that keeps the face of its base portrait.</summary>
    Variation,
}

/// <summary>
/// One picture to make. <paramref name="ReferenceImageUrl"/> is required for <see cref="ImageKind.Variation"/>: the base
/// portrait as a URL the provider can fetch (a signed, expiring URL to our media endpoint).
/// </summary>
/// <param name="AgentId">The agent pictured; placeholder colours follow it so an agent's pictures look alike.</param>
/// <param name="Kind">Base portrait or variation.</param>
/// <param name="Prompt">The appearance prompt (base portrait) or the scene to draw (variation).</param>
/// <param name="ReferenceImageUrl">The base portrait for variations; null for base portraits.</param>
public sealed record ImageRequest(string AgentId, ImageKind Kind, string Prompt, Uri? ReferenceImageUrl = null)
{
    /// <summary>Longest prompt accepted; longer prompts are a caller bug, not something to send to a paid API.</summary>
    public const int MaxPromptLength = 4000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that is missing or out of range.</summary>
    public ImageRequest Validate()
    {
        if (string.IsNullOrWhiteSpace(AgentId)) throw new ArgumentException("An image request needs the agent id.", nameof(AgentId));
        if (string.IsNullOrWhiteSpace(Prompt)) throw new ArgumentException("An image request needs a prompt.", nameof(Prompt));
        if (Prompt.Length > MaxPromptLength)
            throw new ArgumentException($"The prompt is {Prompt.Length} characters; at most {MaxPromptLength} are accepted.", nameof(Prompt));
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown image kind {(int)Kind}.", nameof(Kind));
        if (Kind == ImageKind.Variation && ReferenceImageUrl is null)
            throw new ArgumentException("A variation needs the base portrait as a reference image URL.", nameof(ReferenceImageUrl));
        if (ReferenceImageUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http" or "data")))
            throw new ArgumentException("The reference image must be an absolute http(s) or data URL.", nameof(ReferenceImageUrl));
        return this;
    }
}
