using BERTTokenizers.Base;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Hearth.Adapters.LocalModels;

/// <summary>
/// A packaged model's ONNX session with its tokenizer and pooling: texts in, L2-normalised vectors out, as the package's
/// own wrapper computes them (the same tokens, the same pooling), but on a session Hearth builds: from the float model or
/// from its int8 quantization (<see cref="Int8Quantizer"/>), with Hearth's session options. Safe to call from many threads.
/// </summary>
public sealed class OnnxSentenceEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly TokenizerBase _tokenizer;
    private readonly Pooling _pooling;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _dimensions;

    /// <summary>
    /// Builds the session for <paramref name="model"/> at <paramref name="precision"/> (<c>int8</c> or <c>float</c>); a model
    /// pooled on its first token computes only that token's row in its last layer unless <paramref name="fullLastLayer"/>
    /// (<see cref="ClsOnlyLastLayer"/>).
    /// </summary>
    public OnnxSentenceEncoder(PackagedModel model, string precision, SessionOptions options, bool fullLastLayer = false)
    {
        var graph = ModelProto.Parser.ParseFrom(model.ReadOnnx());
        if (model.Pooling == Pooling.Cls && !fullLastLayer) ClsRowOnly = ClsOnlyLastLayer.Apply(graph);
        if (precision == "int8") QuantizedMatMuls = Int8Quantizer.Quantize(graph).QuantizedMatMuls;
        _session = new InferenceSession(graph.ToByteArray(), options);
        _tokenizer = model.CreateTokenizer();
        _pooling = model.Pooling;
        Precision = precision;
        // Only the inputs the graph has (all shipped models take ids, mask and token types).
        _inputNames = new[] { "input_ids", "attention_mask", "token_type_ids" }.Where(_session.InputMetadata.ContainsKey).ToArray();
        _outputNames = [_session.OutputMetadata.Keys.First()];
        _dimensions = checked((int)_session.OutputMetadata[_outputNames[0]].Dimensions[^1]);
    }

    /// <summary><c>int8</c> or <c>float</c>.</summary>
    public string Precision { get; }

    /// <summary>Whether the last layer computes the first token's row only (<see cref="ClsOnlyLastLayer"/>).</summary>
    public bool ClsRowOnly { get; }

    /// <summary>How many MatMuls run quantized (0 for float).</summary>
    public int QuantizedMatMuls { get; }

    /// <summary>A text's tokens as the model reads them ([CLS] … [SEP], at most 512), unpadded.</summary>
    public Tokens Tokenize(string text)
    {
        var (ids, types, _) = _tokenizer.Encode(text)[0];
        return new Tokens(ids, types);
    }

    /// <summary>One vector per text (texts are padded to the longest in the call: pass texts of similar length).</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken ct) => Encode(texts.Select(Tokenize).ToArray(), ct);

    /// <summary>One vector per tokenized text, padded to the longest of the call.</summary>
    public float[][] Encode(IReadOnlyList<Tokens> texts, CancellationToken ct)
    {
        var batch = texts.Count;
        var length = texts.Max(t => t.Length);
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        var types = new long[batch * length];
        for (var i = 0; i < batch; i++)
        {
            texts[i].Ids.CopyTo(ids, i * length);
            texts[i].Types.CopyTo(types, i * length);
            mask.AsSpan(i * length, texts[i].Length).Fill(1);
        }
        long[] shape = [batch, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        var inputs = _inputNames.Select(n => n switch { "input_ids" => idsValue, "attention_mask" => maskValue, _ => typesValue }).ToArray();

        using var runOptions = new RunOptions();
        using var registration = ct.Register(() => runOptions.Terminate = true);
        using var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
        ct.ThrowIfCancellationRequested();
        var hidden = outputs[0].GetTensorDataAsSpan<float>(); // [batch, length, dimensions], or [batch, 1, dimensions] (ClsRowOnly)
        var rows = ClsRowOnly ? 1 : length;
        var vectors = new float[batch][];
        for (var i = 0; i < batch; i++)
        {
            var vector = vectors[i] = new float[_dimensions];
            var sequence = hidden.Slice(i * rows * _dimensions, rows * _dimensions);
            if (_pooling == Pooling.Cls)
            {
                sequence[.._dimensions].CopyTo(vector);
            }
            else
            {
                var count = 0;
                for (var t = 0; t < length; t++)
                {
                    if (mask[i * length + t] == 0) continue;
                    count++;
                    System.Numerics.Tensors.TensorPrimitives.Add(vector, sequence.Slice(t * _dimensions, _dimensions), vector);
                }
                System.Numerics.Tensors.TensorPrimitives.Divide(vector, Math.Max(count, 1e-9f), vector);
            }
            var norm = MathF.Max(System.Numerics.Tensors.TensorPrimitives.Norm(vector), 1e-12f);
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        }
        return vectors;
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>A text's token ids and token types.</summary>
public readonly record struct Tokens(long[] Ids, long[] Types)
{
    /// <summary>How many tokens.</summary>
    public int Length => Ids.Length;
}
