namespace Hearth.Adapters;

/// <summary>Anchor for the adapters assembly.</summary>
public static class AdaptersAssembly;
