using System.Buffers;

namespace Hearth.Search.Local;

/// <summary>
/// One collection's in-process index, rebuilt from and kept fresh by PostgreSQL (the source of truth): an inverted
/// index for BM25, int8-quantised vectors for the similarity scan, and interned metadata for filters. Slots are
/// append-only; a replaced or deleted document leaves a dead slot that compaction reclaims. Readers share a lock,
/// applying changes takes it exclusively.
/// </summary>
internal sealed class MemoryCollection
{
    private const int NoValue = -1;
    private const int UnknownValue = -2;

    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, int> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _slotByKey = [];
    private readonly Dictionary<string, int> _termIds = new(StringComparer.Ordinal);
    private readonly List<PostingList> _postings = [];
    private readonly Dictionary<int, OwnerCorpus> _owners = [];
    private readonly QuantizedVectors _vectors;

    private int _count;
    private int _dead;
    private long[] _keys = new long[1024];
    private int[] _owner = new int[1024];
    private int[] _agent = new int[1024];
    private int[] _session = new int[1024];
    private int[] _domain = new int[1024];
    private int[] _kind = new int[1024];
    private int[] _length = new int[1024];
    private long[] _created = new long[1024];
    private int[]?[] _tags = new int[1024][];
    private bool[] _alive = new bool[1024];

    public MemoryCollection(int dimensions, int generation)
    {
        Dimensions = dimensions;
        Generation = generation;
        _vectors = new QuantizedVectors(dimensions);
    }

    public int Dimensions { get; }
    public int Generation { get; }

    /// <summary>Highest change sequence applied; written only by the single catch-up at a time.</summary>
    public long LastSeq { get; private set; }

    public int LiveCount
    {
        get
        {
            _lock.EnterReadLock();
            try { return _count - _dead; } finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Rough managed bytes held (vectors, postings, slot arrays), for memory reports.</summary>
    public long ApproximateBytes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                long postings = 0;
                foreach (var p in _postings) postings += p.Capacity * 6L + 48;
                return _vectors.Bytes + postings + _keys.Length * 70L + _termIds.Count * 64L;
            }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Applies changed rows in sequence order: each replaces whatever its key held before.</summary>
    public void Apply(IReadOnlyList<IndexedRow> rows)
    {
        if (rows.Count == 0) return;
        _lock.EnterWriteLock();
        try
        {
            foreach (var row in rows)
            {
                if (_slotByKey.Remove(row.Key, out var old)) Kill(old);
                if (!row.Deleted) Add(row);
                if (row.Seq > LastSeq) LastSeq = row.Seq;
            }
            if (_dead > 4096 && _dead > _count / 4) Compact();
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Records that everything up to <paramref name="seq"/> is reflected (a full load's snapshot).</summary>
    public void AdvanceTo(long seq)
    {
        _lock.EnterWriteLock();
        try { if (seq > LastSeq) LastSeq = seq; } finally { _lock.ExitWriteLock(); }
    }

    /// <summary>
    /// Gives back the slack that doubling left in posting lists and slot arrays; called after a full load, when the
    /// collection is as big as it will be for a while (about a third less memory for postings).
    /// </summary>
    public void TrimExcess()
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (var postings in _postings) postings.Trim();
            var size = Math.Max(1024, _count + _count / 16);
            if (size < _keys.Length) Resize(size);
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Top <paramref name="n"/> documents by BM25 for the analysed, distinct query terms.</summary>
    public List<Ranked> SearchBm25(IReadOnlyList<string> terms, SearchFilter filter, int n) => SearchBm25(terms, filter, n, out _);

    /// <summary>
    /// Top <paramref name="n"/> by BM25; <paramref name="fullMatch"/> is what a document of average length holding each of
    /// the query's terms once would score (the sum of the idf of the terms the owner's documents contain), the yardstick
    /// against which hybrid fusion judges how much of the query the best keyword match actually holds.
    /// </summary>
    public List<Ranked> SearchBm25(IReadOnlyList<string> terms, SearchFilter filter, int n, out double fullMatch)
    {
        fullMatch = 0;
        _lock.EnterReadLock();
        try
        {
            var f = Compile(filter);
            if (f.Empty || !_owners.TryGetValue(f.Owner, out var corpus) || corpus.Live == 0) return [];
            var averageLength = Math.Max(1.0, (double)corpus.TotalLength / corpus.Live);
            // Pooled scratch (no per-query large-object allocations, which would drag in gen2 collections).
            var scores = ArrayPool<double>.Shared.Rent(_count);
            var touched = ArrayPool<int>.Shared.Rent(_count);
            var touchedCount = 0;
            Array.Clear(scores, 0, _count); // the shared pool hands out arrays as others left them
            try
            {
                foreach (var term in terms)
                {
                    if (!_termIds.TryGetValue(term, out var termId)) continue;
                    var postings = _postings[termId];
                    var slots = postings.Slots.AsSpan(0, postings.Count);
                    // df over the owner's live documents: one user's corpus never shapes another's scores.
                    var df = 0;
                    foreach (var slot in slots)
                        if (_alive[slot] && _owner[slot] == f.Owner) df++;
                    if (df == 0) continue;
                    var idf = Bm25.Idf(corpus.Live, df);
                    fullMatch += idf;
                    var counts = postings.Counts.AsSpan(0, postings.Count);
                    for (var i = 0; i < slots.Length; i++)
                    {
                        var slot = slots[i];
                        if (!_alive[slot] || _owner[slot] != f.Owner || (!f.OwnerOnly && !f.Matches(this, slot))) continue;
                        var before = scores[slot];
                        if (before == 0) touched[touchedCount++] = slot; // every contribution is positive
                        scores[slot] = before + Bm25.TermScore(idf, counts[i], _length[slot], averageLength);
                    }
                }
                var top = new TopK(n);
                for (var i = 0; i < touchedCount; i++)
                {
                    var slot = touched[i];
                    top.Offer(_keys[slot], scores[slot]);
                }
                return top.ToList();
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scores);
                ArrayPool<int>.Shared.Return(touched);
            }
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Top <paramref name="n"/> documents by approximate (int8) cosine similarity to the query vector.</summary>
    public List<Ranked> SearchVector(ReadOnlySpan<float> query, SearchFilter filter, int n)
    {
        if (query.Length != Dimensions)
            throw new ArgumentException($"The query vector has {query.Length} dimensions; the collection has {Dimensions}.");
        var quantized = new sbyte[Dimensions];
        var queryScale = QuantizedVectors.Quantize(query, quantized);
        if (queryScale == 0) return [];
        _lock.EnterReadLock();
        try
        {
            var f = Compile(filter);
            if (f.Empty || !_owners.TryGetValue(f.Owner, out var corpus)) return [];
            var top = new TopK(n);
            var slots = corpus.Slots;
            for (var i = 0; i < slots.Count; i++)
            {
                var slot = slots.Items[i];
                if (!_alive[slot] || !_vectors.Has(slot) || (!f.OwnerOnly && !f.Matches(this, slot))) continue;
                top.Offer(_keys[slot], _vectors.Similarity(quantized, queryScale, slot));
            }
            return top.ToList();
        }
        finally { _lock.ExitReadLock(); }
    }

    private void Add(IndexedRow row)
    {
        var slot = _count;
        if (slot == _keys.Length) Grow();
        _count++;
        _keys[slot] = row.Key;
        _owner[slot] = Intern(row.Owner);
        _agent[slot] = Intern(row.Agent);
        _session[slot] = Intern(row.Session);
        _domain[slot] = Intern(row.Domain);
        _kind[slot] = Intern(row.Kind);
        _created[slot] = row.CreatedTicks;
        _tags[slot] = row.Tags.Length == 0 ? null : row.Tags.Select(t => Intern(t)).ToArray();
        _length[slot] = row.Length;
        _alive[slot] = true;
        _vectors.Set(slot, row.Vector);
        foreach (var (term, count) in row.Terms)
        {
            if (!_termIds.TryGetValue(term, out var termId))
            {
                termId = _postings.Count;
                _termIds.Add(term, termId);
                _postings.Add(new PostingList());
            }
            _postings[termId].Add(slot, count);
        }
        if (!_owners.TryGetValue(_owner[slot], out var corpus)) _owners[_owner[slot]] = corpus = new OwnerCorpus();
        corpus.Live++;
        corpus.TotalLength += row.Length;
        corpus.Slots.Add(slot);
        _slotByKey[row.Key] = slot;
    }

    private void Kill(int slot)
    {
        _alive[slot] = false;
        _dead++;
        var corpus = _owners[_owner[slot]];
        corpus.Live--;
        corpus.TotalLength -= _length[slot];
    }

    /// <summary>Squeezes dead slots out of every array and posting list, keeping order (so ties stay stable).</summary>
    private void Compact()
    {
        var remap = new int[_count];
        var next = 0;
        for (var slot = 0; slot < _count; slot++)
        {
            if (!_alive[slot]) { remap[slot] = -1; continue; }
            remap[slot] = next;
            if (next != slot)
            {
                _keys[next] = _keys[slot];
                _owner[next] = _owner[slot];
                _agent[next] = _agent[slot];
                _session[next] = _session[slot];
                _domain[next] = _domain[slot];
                _kind[next] = _kind[slot];
                _created[next] = _created[slot];
                _tags[next] = _tags[slot];
                _length[next] = _length[slot];
                _alive[next] = true;
                _vectors.Move(slot, next);
            }
            next++;
        }
        Array.Clear(_alive, next, _count - next);
        Array.Clear(_tags, next, _count - next);
        _count = next;
        _dead = 0;
        _vectors.Trim(next);
        foreach (var postings in _postings) postings.Remap(remap);
        foreach (var corpus in _owners.Values) corpus.Slots.Clear();
        _slotByKey.Clear();
        for (var slot = 0; slot < _count; slot++)
        {
            _owners[_owner[slot]].Slots.Add(slot);
            _slotByKey[_keys[slot]] = slot;
        }
    }

    private void Grow() => Resize(_keys.Length * 2);

    private void Resize(int size)
    {
        Array.Resize(ref _keys, size);
        Array.Resize(ref _owner, size);
        Array.Resize(ref _agent, size);
        Array.Resize(ref _session, size);
        Array.Resize(ref _domain, size);
        Array.Resize(ref _kind, size);
        Array.Resize(ref _length, size);
        Array.Resize(ref _created, size);
        Array.Resize(ref _tags, size);
        Array.Resize(ref _alive, size);
    }

    private int Intern(string? value)
    {
        if (value is null) return NoValue;
        if (!_values.TryGetValue(value, out var id)) _values[value] = id = _values.Count;
        return id;
    }

    private int Lookup(string? value) => value is null ? NoValue : _values.GetValueOrDefault(value, UnknownValue);

    private CompiledFilter Compile(SearchFilter filter)
    {
        var owner = Lookup(filter.Owner);
        var agent = Lookup(filter.Agent);
        var session = Lookup(filter.Session);
        var domains = LookupAny(filter.Domains);
        var kinds = LookupAny(filter.Kinds);
        int[]? tags = filter.Tags is { Count: > 0 } ? filter.Tags.Select(Lookup).ToArray() : null;
        var empty = owner < 0 || agent == UnknownValue || session == UnknownValue
            || domains is { Length: 0 } || kinds is { Length: 0 } || (tags?.Contains(UnknownValue) ?? false);
        return new CompiledFilter(owner, agent, session, domains, kinds,
            filter.CreatedFrom?.UtcTicks ?? long.MinValue, filter.CreatedTo?.UtcTicks ?? long.MaxValue, tags, empty);
    }

    // A list filter keeps its known values; if none is known nothing can match (an empty array says so).
    private int[]? LookupAny(IReadOnlyList<string>? values) =>
        values is null or { Count: 0 } ? null : values.Select(Lookup).Where(v => v >= 0).Distinct().ToArray();

    private readonly record struct CompiledFilter(
        int Owner, int Agent, int Session, int[]? Domains, int[]? Kinds, long From, long To, int[]? Tags, bool Empty)
    {
        /// <summary>Nothing but the owner to check: the hot loops skip the predicate call.</summary>
        public bool OwnerOnly { get; } = Agent == NoValue && Session == NoValue && Domains is null && Kinds is null
            && From == long.MinValue && To == long.MaxValue && Tags is null;

        public bool Matches(MemoryCollection c, int slot)
        {
            if (Agent != NoValue && c._agent[slot] != Agent) return false;
            if (Session != NoValue && c._session[slot] != Session) return false;
            if (Domains is not null && Array.IndexOf(Domains, c._domain[slot]) < 0) return false;
            if (Kinds is not null && Array.IndexOf(Kinds, c._kind[slot]) < 0) return false;
            var created = c._created[slot];
            if (created < From || created >= To) return false;
            if (Tags is not null)
            {
                var tags = c._tags[slot];
                if (tags is null) return false;
                foreach (var tag in Tags)
                    if (Array.IndexOf(tags, tag) < 0) return false;
            }
            return true;
        }
    }

    private sealed class OwnerCorpus
    {
        public int Live;
        public long TotalLength;
        public readonly IntList Slots = new();
    }

    private sealed class IntList
    {
        public int[] Items = new int[16];
        public int Count;

        public void Add(int value)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
            Items[Count++] = value;
        }

        public void Clear() => Count = 0;
    }

    private sealed class PostingList
    {
        public int[] Slots = new int[2];
        public ushort[] Counts = new ushort[2];
        public int Count;

        public int Capacity => Slots.Length;

        public void Add(int slot, int count)
        {
            if (Count == Slots.Length)
            {
                Array.Resize(ref Slots, Slots.Length * 2);
                Array.Resize(ref Counts, Counts.Length * 2);
            }
            Slots[Count] = slot;
            Counts[Count] = (ushort)Math.Min(count, ushort.MaxValue);
            Count++;
        }

        public void Trim()
        {
            if (Slots.Length - Count <= 2) return;
            Array.Resize(ref Slots, Math.Max(2, Count));
            Array.Resize(ref Counts, Slots.Length);
        }

        public void Remap(int[] remap)
        {
            var kept = 0;
            for (var i = 0; i < Count; i++)
            {
                var slot = remap[Slots[i]];
                if (slot < 0) continue;
                Slots[kept] = slot;
                Counts[kept] = Counts[i];
                kept++;
            }
            Count = kept;
            if (kept < Slots.Length / 4 && Slots.Length > 8)
            {
                Array.Resize(ref Slots, Math.Max(2, kept * 2));
                Array.Resize(ref Counts, Slots.Length);
            }
        }
    }
}
