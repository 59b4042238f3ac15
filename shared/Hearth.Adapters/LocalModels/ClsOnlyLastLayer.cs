using Onnx;

namespace Hearth.Adapters.LocalModels;

/// <summary>
/// For a model pooled on its first token ([CLS], arctic-embed): the last encoder layer computes that token's row only.
/// Every other layer must run for all tokens (the last layer's keys and values read them all), but after the last
/// layer's attention nothing mixes tokens any more, so its query, attention output, feed-forward and layer norms are
/// needed for the first row alone: the first row of the layer's input is sliced off for the query and the residual,
/// and the model's output becomes [batch, 1, hidden]. The same vector, about a sixth less work (docs/decisions.md,
/// issue 14, eighth session). A graph whose last attention block does not have the expected shape is left as it is.
/// </summary>
public static class ClsOnlyLastLayer
{
    private const string SlicedName = "hearth_cls_row";

    /// <summary>Rewrites <paramref name="model"/> in place; true when it did.</summary>
    public static bool Apply(ModelProto model)
    {
        var graph = model.Graph;
        var producers = new Dictionary<string, NodeProto>();
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output) producers[output] = node;
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
        NodeProto? Producer(string value, string op) => producers.TryGetValue(value, out var n) && n.OpType == op ? n : null;

        // The last attention block: softmax ← mask add ← scale ← Q·Kᵀ ← Q's transpose ← Q's reshape ← Q's bias add ← Q's MatMul.
        if (graph.Node.LastOrDefault(n => n.OpType == "Softmax") is not { } softmax) return false;
        if (Producer(softmax.Input[0], "Add") is not { } maskAdd) return false;
        var scaled = maskAdd.Input.Select(i => producers.GetValueOrDefault(i)).FirstOrDefault(n => n?.OpType is "Div" or "Mul");
        if (scaled is null || Producer(scaled.Input[0], "MatMul") is not { } qk) return false;
        if (Producer(qk.Input[0], "Transpose") is not { } qT || Producer(qT.Input[0], "Reshape") is not { } qR) return false;
        var qProjection = Producer(qR.Input[0], "Add") is { } qBias
            ? qBias.Input.Select(i => Producer(i, "MatMul")).FirstOrDefault(n => n is not null)
            : Producer(qR.Input[0], "MatMul");
        if (qProjection is null) return false;
        var layerInput = qProjection.Input[0];
        // The layer input's readers: the Q, K and V projections, and the residual add after the attention output.
        var readers = consumers.GetValueOrDefault(layerInput) ?? [];
        if (readers.Count(n => n.OpType == "MatMul") != 3 || readers.Where(n => n.OpType == "Add").ToList() is not [var residual] || readers.Count != 4)
            return false;
        // Q's reshape takes its shape from Q itself (batch, sequence from Shape of Q), so one row reshapes as one row.
        if (graph.Output.Count != 1) return false;

        var starts = Constant(SlicedName + "/starts", 0);
        var ends = Constant(SlicedName + "/ends", 1);
        var axes = Constant(SlicedName + "/axes", 1);
        var slice = new NodeProto { OpType = "Slice", Name = SlicedName + "/Slice", Input = { layerInput, starts.Name, ends.Name, axes.Name }, Output = { SlicedName } };
        graph.Initializer.Add(starts);
        graph.Initializer.Add(ends);
        graph.Initializer.Add(axes);
        graph.Node.Insert(graph.Node.IndexOf(qProjection), slice);
        qProjection.Input[0] = SlicedName;
        for (var i = 0; i < residual.Input.Count; i++)
            if (residual.Input[i] == layerInput) residual.Input[i] = SlicedName;
        // The output's declared sequence length is now 1.
        if (graph.Output[0].Type?.TensorType?.Shape is { Dim.Count: 3 } shape) shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        // Shapes recorded for the old full-length values after the slice would contradict it.
        graph.ValueInfo.Clear();
        return true;
    }

    private static TensorProto Constant(string name, long value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(1);
        tensor.Int64Data.Add(value);
        return tensor;
    }
}
