namespace Hearth.Deploy.Tests.Text;

/// <summary>A value in a Bicep file, as far as a text reader can tell without compiling it.</summary>
public abstract record BicepValue;

/// <summary>An object literal: <c>{ name: 'x', value: y }</c>.</summary>
public sealed record BicepObject(IReadOnlyDictionary<string, BicepValue> Properties) : BicepValue
{
    public BicepValue? this[string key] => Properties.TryGetValue(key, out var value) ? value : null;

    /// <summary>The value at a dotted path of object properties (arrays by index: <c>containers.0.env</c>).</summary>
    public BicepValue? At(string path)
    {
        BicepValue? current = this;
        foreach (var part in path.Split('.'))
        {
            current = current switch
            {
                BicepObject o => o[part],
                BicepArray a when int.TryParse(part, out var i) && i < a.Items.Count => a.Items[i],
                _ => null,
            };
            if (current is null) return null;
        }
        return current;
    }

    /// <summary>The text of a string literal property, or of an expression.</summary>
    public string? Text(string key) => this[key] switch
    {
        BicepString s => s.Text,
        BicepExpression e => e.Text,
        _ => null,
    };
}

/// <summary>An array literal.</summary>
public sealed record BicepArray(IReadOnlyList<BicepValue> Items) : BicepValue;

/// <summary>A string: <see cref="Text"/> keeps interpolations as written (<c>https://${name}.example</c>).</summary>
public sealed record BicepString(string Text, IReadOnlyList<string> Interpolations) : BicepValue
{
    /// <summary>No interpolation: the value is known from the text alone.</summary>
    public bool IsLiteral => Interpolations.Count == 0;

    /// <summary>The text with each interpolation replaced by <paramref name="placeholder"/>.</summary>
    public string WithPlaceholders(string placeholder)
    {
        var text = Text;
        foreach (var interpolation in Interpolations) text = text.Replace("${" + interpolation + "}", placeholder, StringComparison.Ordinal);
        return text;
    }
}

/// <summary>Anything else (a parameter, a function call, a condition): known only once deployed.</summary>
public sealed record BicepExpression(string Text) : BicepValue;
