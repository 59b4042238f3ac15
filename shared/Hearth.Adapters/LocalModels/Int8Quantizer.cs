using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace Hearth.Adapters.LocalModels;

/// <summary>
/// Dynamic int8 quantization of a float ONNX model, done in process when the model is loaded (no quantized model is
/// shipped or downloaded): every <c>MatMul</c> whose right operand is a constant 2-D float weight becomes ONNX Runtime's
/// contrib op <c>com.microsoft.DynamicQuantizeMatMul</c>, which quantizes its float input to 8 bits on the fly, multiplies
/// with the int8 weight (VNNI instructions where the CPU has them) and scales back to float per output column.
/// Weights are quantized symmetrically per column (scale = the column's largest magnitude ÷ 127, zero point 0), which
/// keeps a column with small weights as precise as one with large weights. A constant bias added right after the
/// MatMul moves into the op. Everything else (embeddings, attention scores, layer norms, activations) stays float.
/// </summary>
public static class Int8Quantizer
{
    private const string ContribDomain = "com.microsoft";

    /// <summary>What <see cref="Quantize"/> changed.</summary>
    public sealed record Result(int QuantizedMatMuls, int FoldedBiases, long FloatWeightBytes, long Int8WeightBytes);

    /// <summary>Quantizes the constant-weight MatMuls of <paramref name="model"/> to int8, in place.</summary>
    public static Result Quantize(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name);
        // How many nodes read each value: a weight read by anything else than the MatMul keeps its float copy, and a
        // MatMul's output read by anything else than one Add keeps that Add.
        var readers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
            foreach (var input in node.Input)
            {
                if (!readers.TryGetValue(input, out var list)) readers[input] = list = [];
                list.Add(node);
            }
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();

        var quantized = 0;
        var folded = 0;
        long floatBytes = 0, int8Bytes = 0;
        var removedNodes = new HashSet<NodeProto>();
        var usedFloatWeights = new HashSet<string>();
        foreach (var node in graph.Node.ToList())
        {
            if (node.OpType != "MatMul" || node.Domain is not ("" or "ai.onnx") || node.Input.Count != 2) continue;
            if (!initializers.TryGetValue(node.Input[1], out var weight) || weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count != 2)
                continue;
            var rows = checked((int)weight.Dims[0]);
            var columns = checked((int)weight.Dims[1]);
            var values = ReadFloats(weight, rows * columns);
            var (q, scales) = QuantizeColumns(values, rows, columns);

            var qName = node.Input[1] + "_int8";
            var scaleName = node.Input[1] + "_scale";
            if (!initializers.ContainsKey(qName))
            {
                var qTensor = new TensorProto { Name = qName, DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom((byte[])(Array)q) };
                qTensor.Dims.Add(rows);
                qTensor.Dims.Add(columns);
                var scaleTensor = new TensorProto { Name = scaleName, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(FloatBytes(scales)) };
                scaleTensor.Dims.Add(columns);
                graph.Initializer.Add(qTensor);
                graph.Initializer.Add(scaleTensor);
                initializers[qName] = qTensor;
                initializers[scaleName] = scaleTensor;
                floatBytes += 4L * rows * columns;
                int8Bytes += (long)rows * columns + 4L * columns;
            }

            // A constant bias of the MatMul's width added right after it (and nothing else reading the product) joins the op.
            var output = node.Output[0];
            string? bias = null;
            string finalOutput = output;
            if (!graphOutputs.Contains(output) && readers.TryGetValue(output, out var outputReaders) && outputReaders is [{ OpType: "Add" } add] && add.Input.Count == 2)
            {
                var other = add.Input[0] == output ? add.Input[1] : add.Input[0];
                if (initializers.TryGetValue(other, out var b) && b.DataType == (int)TensorProto.Types.DataType.Float && b.Dims is [var n] && n == columns)
                {
                    bias = other;
                    finalOutput = add.Output[0];
                    removedNodes.Add(add);
                    folded++;
                }
            }

            node.OpType = "DynamicQuantizeMatMul";
            node.Domain = ContribDomain;
            var a = node.Input[0];
            node.Input.Clear();
            node.Input.Add(a);
            node.Input.Add(qName);
            node.Input.Add(scaleName);
            if (bias is not null)
            {
                node.Input.Add(""); // no zero point: the weights are symmetric
                node.Input.Add(bias);
            }
            node.Output[0] = finalOutput;
            quantized++;
        }
        foreach (var node in removedNodes) graph.Node.Remove(node);

        // Float weights nobody reads any more are dropped.
        foreach (var node in graph.Node)
            foreach (var input in node.Input)
                usedFloatWeights.Add(input);
        foreach (var output in graph.Output) usedFloatWeights.Add(output.Name);
        foreach (var unused in graph.Initializer.Where(i => !usedFloatWeights.Contains(i.Name)).ToList())
            graph.Initializer.Remove(unused);
        // Stale shape annotations of removed values would only confuse the loader.
        foreach (var info in graph.ValueInfo.Where(v => !usedFloatWeights.Contains(v.Name) && !graph.Node.Any(n => n.Output.Contains(v.Name))).ToList())
            graph.ValueInfo.Remove(info);

        if (quantized > 0 && !model.OpsetImport.Any(o => o.Domain == ContribDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = ContribDomain, Version = 1 });
        return new Result(quantized, folded, floatBytes, int8Bytes);
    }

    /// <summary>Symmetric per-column quantization of a row-major [rows, columns] matrix.</summary>
    public static (sbyte[] Values, float[] Scales) QuantizeColumns(ReadOnlySpan<float> values, int rows, int columns)
    {
        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                scales[c] = MathF.Max(scales[c], MathF.Abs(values[r * columns + c]));
        for (var c = 0; c < columns; c++) scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f;
        var q = new sbyte[values.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < columns; c++)
                q[r * columns + c] = (sbyte)Math.Clamp(MathF.Round(values[r * columns + c] / scales[c], MidpointRounding.ToEven), -127f, 127f);
        return (q, scales);
    }

    private static float[] ReadFloats(TensorProto tensor, int count)
    {
        if (tensor.FloatData.Count == count) return tensor.FloatData.ToArray();
        var raw = tensor.RawData.Span;
        if (raw.Length != 4 * count)
            throw new InvalidDataException($"Initializer '{tensor.Name}' holds {raw.Length} bytes, expected {4 * count} (external data is not supported).");
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        return values;
    }

    private static byte[] FloatBytes(float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
