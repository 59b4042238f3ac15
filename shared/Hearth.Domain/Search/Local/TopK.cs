namespace Hearth.Search.Local;

/// <summary>A document key with its score in one ranked list.</summary>
internal readonly record struct Ranked(long Key, double Score);

/// <summary>Keeps the n best (highest score; on a tie the lower key, i.e. the older document) with a min-heap.</summary>
internal sealed class TopK(int n)
{
    private readonly PriorityQueue<Ranked, Ranked> _heap = new(n + 1, Comparer<Ranked>.Create(static (a, b) =>
    {
        // The heap's root is the worst kept item: lowest score, then highest key.
        var byScore = a.Score.CompareTo(b.Score);
        return byScore != 0 ? byScore : b.Key.CompareTo(a.Key);
    }));

    public void Offer(long key, double score)
    {
        var item = new Ranked(key, score);
        if (_heap.Count < n) { _heap.Enqueue(item, item); return; }
        var worst = _heap.Peek();
        if (score > worst.Score || (score == worst.Score && key < worst.Key)) _heap.DequeueEnqueue(item, item);
    }

    /// <summary>The kept items, best first.</summary>
    public List<Ranked> ToList()
    {
        var list = new List<Ranked>(_heap.Count);
        while (_heap.Count > 0) list.Add(_heap.Dequeue());
        list.Reverse();
        return list;
    }
}
