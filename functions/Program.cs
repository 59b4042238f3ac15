using Hearth.Functions.Management;
using Hearth.Functions.Memory;
using Hearth.Functions.Search;
using Hearth.Functions.Status;
using Hearth.Functions.Testing;

var builder = WebApplication.CreateBuilder(args);
builder.AddHearthHost();      // configuration, settings check, logs, database, durable runtime, problems, limits, OpenAPI
builder.AddIdentity();        // bearer tokens, users, admin policy
builder.AddStatus();          // GET /api/status and its providers
builder.AddManagement();      // orchestrations and admin jobs
builder.AddSearch();          // search engine and embedder shared by memory and skills
builder.AddMemory();          // memory: turn indexing, recall, suggestions, summaries, corpus import
builder.AddProbeFunctions();  // test-only; off unless Testing:EnableProbeFunctions

var app = builder.Build();
app.UseHearthHost();          // request ids, errors, body limits, auth, rate limits, /healthz, /readyz, /openapi/v1.json
app.MapIdentityApi();
app.MapStatusApi();
app.MapManagementApi();
app.MapMemoryApi();           // /api/memory, /api/search, /api/sessions/{id}/summary, /api/documents
app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
