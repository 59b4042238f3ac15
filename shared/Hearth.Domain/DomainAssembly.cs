namespace Hearth;

/// <summary>Anchor for the domain assembly (embedded migrations, reflection).</summary>
public static class DomainAssembly;
