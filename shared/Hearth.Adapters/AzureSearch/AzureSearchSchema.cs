using Azure.Search.Documents.Indexes.Models;

namespace Hearth.Adapters.AzureSearch;

/// <summary>
/// Index definitions: one index per collection generation (key, searchable text with the English Lucene analyzer, a
/// vector field with an HNSW cosine profile, filterable metadata) and a small registry index recording each
/// collection's embedding model, dimensions, generation and live index.
/// </summary>
internal static class AzureSearchSchema
{
    public const string Key = "key";
    public const string Id = "id";
    public const string Owner = "owner";
    public const string Text = "text";
    public const string Agent = "agent";
    public const string Session = "session";
    public const string Domain = "domain";
    public const string Kind = "kind";
    public const string Source = "source";
    public const string CreatedAt = "createdAt";
    public const string IndexedAt = "indexedAt";
    public const string Tags = "tags";
    public const string Embedding = "embedding";
    public const string Algorithm = "hearth-hnsw";
    public const string Profile = "hearth-vector";

    /// <summary>Fields returned with hits (everything but the vector).</summary>
    public static readonly string[] Retrievable = [Key, Id, Owner, Text, Agent, Session, Domain, Kind, Source, CreatedAt, Tags];

    public static SearchIndex Collection(string indexName, int dimensions, AzureSearchOptions options) => new(indexName)
    {
        Fields =
        {
            new SearchField(Key, SearchFieldDataType.String) { IsKey = true, IsFilterable = true, IsSortable = true },
            new SearchField(Id, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Owner, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Text, SearchFieldDataType.String) { IsSearchable = true, AnalyzerName = LexicalAnalyzerName.EnLucene },
            new SearchField(Agent, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Session, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Domain, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Kind, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(Source, SearchFieldDataType.String) { IsFilterable = true },
            new SearchField(CreatedAt, SearchFieldDataType.DateTimeOffset) { IsFilterable = true, IsSortable = true },
            new SearchField(IndexedAt, SearchFieldDataType.DateTimeOffset) { IsFilterable = true },
            new SearchField(Tags, SearchFieldDataType.Collection(SearchFieldDataType.String)) { IsFilterable = true },
            new SearchField(Embedding, SearchFieldDataType.Collection(SearchFieldDataType.Single))
            {
                IsSearchable = true,
                IsHidden = true,
                VectorSearchDimensions = dimensions,
                VectorSearchProfileName = Profile,
            },
        },
        VectorSearch = new VectorSearch
        {
            Algorithms =
            {
                new HnswAlgorithmConfiguration(Algorithm)
                {
                    Parameters = new HnswParameters
                    {
                        Metric = VectorSearchAlgorithmMetric.Cosine,
                        M = options.HnswM,
                        EfConstruction = options.HnswEfConstruction,
                        EfSearch = options.HnswEfSearch,
                    },
                },
            },
            Profiles = { new VectorSearchProfile(Profile, Algorithm) },
        },
    };

    public static SearchIndex Registry(string indexName) => new(indexName)
    {
        Fields =
        {
            new SearchField("name", SearchFieldDataType.String) { IsKey = true, IsFilterable = true },
            new SearchField("model", SearchFieldDataType.String),
            new SearchField("dimensions", SearchFieldDataType.Int32),
            new SearchField("generation", SearchFieldDataType.Int32),
            new SearchField("indexName", SearchFieldDataType.String),
            new SearchField("updatedAt", SearchFieldDataType.DateTimeOffset),
        },
    };
}
