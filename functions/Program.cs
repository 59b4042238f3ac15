using Hearth.Functions.Chat;
using Hearth.Functions.Life;
using Hearth.Functions.Management;
using Hearth.Functions.Memory;
using Hearth.Functions.Search;
using Hearth.Functions.Pictures;
using Hearth.Functions.Skills;
using Hearth.Functions.Status;
using Hearth.Functions.Web;

var builder = WebApplication.CreateSlimBuilder(WebModule.HostOptions(args)); // the web app's files found from the binaries, not the working directory
builder.AddHearthHost();      // configuration, settings check, logs, database, durable runtime, problems, limits, OpenAPI
builder.AddIdentity();        // bearer tokens, users, admin policy
builder.AddStatus();          // GET /api/status and its providers
builder.AddManagement();      // orchestrations and admin jobs
builder.AddSearch();          // search engine and embedder shared by memory and skills
builder.AddSkills();          // skill library: versions, bulk ingest, search, compose, checkout, archive mirror
builder.AddChat();            // companions and the chat turn: agents, model chain, sessions, messages
builder.AddPictures();        // picture jobs (Fal or placeholder), Fal's webhook, media store
builder.AddWeb();             // the web app: / chat, /admin (static ES modules and CSS in wwwroot)
builder.AddMemory();          // memory: turn indexing, recall, suggestions, summaries, corpus import
builder.AddLife();            // offline life: life events, mood drift, initiated messages, notifications

var app = builder.Build();
app.UseHearthHost();          // request ids, errors, body limits, auth, rate limits, /healthz, /readyz, /openapi/v1.json
app.MapIdentityApi();
app.MapStatusApi();
app.MapManagementApi();
app.MapSkillsApi();
app.MapPicturesApi();         // /api/agents/{id}/images|portrait, /api/images, /api/webhooks/fal, /media/{id}
app.MapChatApi();             // /api/agents: companions, scenarios, events, state, chat, messages
app.MapCardApi();             // /api/agents/import, /api/agents/{id}/card: character cards in and out
app.MapLoreApi();             // /api/agents/{id}/lorebook, /api/lorebook: world info
app.MapGroupApi();            // /api/groups: group chats with several companions
app.MapWeb();                 // /, /admin, /web/config.json and the static files
app.MapMemoryApi();           // /api/memory, /api/search, /api/sessions/{id}/summary, /api/documents
app.MapLifeApi();             // /api/agents/{id}/life|initiations|mute, PATCH scenarios, /api/notifications
app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
