using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hearth.Chat.Lore;
using Hearth.Companions;
using Hearth.Images.Placeholder;
using Hearth.Media;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hearth.Chat.Cards;

/// <summary>A card file as uploaded: the bytes, and whether they came as a PNG (else JSON).</summary>
public sealed record CardFile(byte[] Bytes, bool IsPng);

/// <summary>The import's outcome: the companion, or the field errors that refused the card.</summary>
public sealed record CardImport(Agent? Agent, IReadOnlyList<(string Field, string Error)> Errors, string? FirstMessageId = null);

/// <summary>
/// Imports and exports character cards. An import is all or nothing: the companion, its card fields, its lorebook (the
/// card's character book), its base portrait (the card's picture) and the conversation opened by the card's first
/// message are written in one transaction; the picture, stored first, is deleted again when that transaction fails.
/// Exports are V2 (JSON, or a PNG with the card in a <c>chara</c> tEXt chunk and as V3 in a <c>ccv3</c> chunk).
/// </summary>
public sealed class CharacterCards(IAgentStore agents, LoreStore lore, IMediaStore media, NpgsqlDataSource db, TimeProvider time, ILogger<CharacterCards> logger)
{
    /// <summary>Reads a card file: PNG (<c>ccv3</c> preferred over <c>chara</c>) or JSON.</summary>
    public static (CharacterCard? Card, List<(string Field, string Error)> Errors) Read(CardFile file)
    {
        if (!file.IsPng) return CardJson.Read(file.Bytes);
        IReadOnlyDictionary<string, string> texts;
        try
        {
            texts = CardPng.ReadText(file.Bytes);
        }
        catch (CardFormatException e)
        {
            return (null, [("image", "The PNG " + e.Message)]);
        }
        var (keyword, base64) = texts.TryGetValue("ccv3", out var v3) ? ("ccv3", v3) : texts.TryGetValue("chara", out var v2) ? ("chara", v2) : ("", null);
        if (base64 is null) return (null, [("chara", "the PNG holds no character card (no 'chara' or 'ccv3' tEXt chunk)")]);
        byte[] json;
        try
        {
            json = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            return (null, [(keyword, "is not base64")]);
        }
        return CardJson.Read(json);
    }

    /// <summary>Imports a card for <paramref name="ownerId"/>; the time zone is the card's (Hearth extension), else <paramref name="defaultTimeZone"/>.</summary>
    /// <param name="userName">What <c>{{user}}</c> becomes in the first message.</param>
    public async Task<CardImport> ImportAsync(string ownerId, CardFile file, string defaultTimeZone, string userName, int maxAgents, CancellationToken ct)
    {
        var (card, errors) = Read(file);
        if (card is null) return new CardImport(null, errors);
        var traits = card.Hearth ?? new HearthTraits();
        var draft = new AgentDraft(card.Name, traits.Timezone ?? defaultTimeZone, card.Description, card.Personality, traits.SpeakingStyle, traits.Boundaries,
            traits.HomeCity, traits.Occupation, traits.AppearancePrompt, traits.Availability, traits.MoodBaseline);

        var owner = Guid.Parse(ownerId);
        string? mediaId = null;
        if (file.IsPng)
        {
            // The portrait is the card's picture without the card text in it.
            var picture = CardPng.WithText(file.Bytes, [], ["chara", "ccv3"]);
            try
            {
                mediaId = (await media.PutAsync(owner, new MemoryStream(picture), MediaTypes.Png, ct)).Id;
            }
            catch (MediaRejectedException e)
            {
                return new CardImport(null, [("image", e.Message)]);
            }
        }
        var now = time.GetUtcNow();
        Guid? firstMessage = null;
        try
        {
            var agent = await agents.CreateAsync(ownerId, draft, maxAgents, async (created, dbTx, token) =>
            {
                var tx = (NpgsqlTransaction)dbTx;
                var agentId = Guid.Parse(created.Id);
                await WriteCardAsync(tx, owner, agentId, card, mediaId, now, token);
                if (card.Book is { } book) await lore.WriteBookAsync(tx, owner, agentId, book.Settings, book.Entries, token);
                if (!string.IsNullOrWhiteSpace(card.FirstMessage))
                {
                    firstMessage = Guid.CreateVersion7();
                    await OpenConversationAsync(tx, owner, agentId, firstMessage.Value, CardMacros.Apply(card.FirstMessage, created.Name, userName), now, token);
                    // The alternate greetings are swipes of the opening: the user may choose another before writing.
                    var greetings = card.AlternateGreetings.Where(g => !string.IsNullOrWhiteSpace(g)).Select(g => CardMacros.Apply(g, created.Name, userName).Trim());
                    await ChatTurnService.WriteGreetingsAsync(tx, owner, firstMessage.Value,
                        [CardMacros.Apply(card.FirstMessage, created.Name, userName).Trim(), .. greetings], now, token);
                }
            }, ct);
            return new CardImport(agent with { BaseImageMediaId = mediaId }, [], firstMessage?.ToString());
        }
        catch
        {
            if (mediaId is not null)
            {
                try { await media.DeleteAsync(mediaId, owner, CancellationToken.None); }
                catch (Exception e) { logger.LogWarning(e, "The portrait {MediaId} of a failed card import could not be deleted", mediaId); }
            }
            throw;
        }
    }

    /// <summary>The companion as a card (its imported card fields, its lorebook, Hearth's own fields in <c>extensions.hearth</c>); null when not the owner's.</summary>
    public async Task<CharacterCard?> ExportAsync(string ownerId, string agentId, CancellationToken ct)
    {
        if (await agents.FindAsync(ownerId, agentId, ct) is not { } agent) return null;
        var stored = await ReadCardAsync(Guid.Parse(ownerId), Guid.Parse(agentId), ct);
        var book = await lore.GetAsync(ownerId, agentId, ct);
        CardBook? cardBook = book is null || (book.Id.Length == 0 && book.Entries.Count == 0) ? null : new CardBook(
            new LorebookSettings(book.Name, book.Description, book.ScanDepth, book.TokenBudget, book.RecursiveScanning, book.Extensions),
            book.Entries.Select(e => new LoreEntryDraft(e.Keys, e.Content, e.SecondaryKeys, e.Selective, e.Constant, e.Enabled, e.InsertionOrder, e.Priority,
                e.CaseSensitive, e.Position, e.Name, e.Comment, e.Extensions, e.UseRegex)).ToList());
        var hearth = new HearthTraits(agent.TimeZone, Blank(agent.HomeCity), Blank(agent.Occupation), Blank(agent.SpeakingStyle), Blank(agent.Boundaries),
            agent.AppearancePrompt, agent.Availability, agent.MoodBaseline);
        var s = stored ?? new StoredCard(CardLimits.V2, "", "", "", "", "", "", [], [], "", "", new JsonObject());
        return new CharacterCard(CardLimits.V2, agent.Name, agent.Bio, agent.Personality, s.Scenario, s.FirstMessage, s.ExampleDialogues, s.CreatorNotes,
            s.SystemPrompt, s.PostHistoryInstructions, s.AlternateGreetings, s.Tags, s.Creator, s.CharacterVersion, s.Extensions, cardBook, hearth);
    }

    /// <summary>The card as a PNG: the companion's portrait when it is a PNG (else a drawn placeholder) with the card in <c>chara</c> (V2) and <c>ccv3</c> (V3).</summary>
    public async Task<byte[]> ExportPngAsync(string ownerId, string agentId, CharacterCard card, CancellationToken ct)
    {
        byte[]? picture = null;
        if ((await agents.FindAsync(ownerId, agentId, ct))?.BaseImageMediaId is { } mediaId)
        {
            await using var content = await media.OpenOwnedAsync(mediaId, Guid.Parse(ownerId), ct);
            if (content is { Item.ContentType: MediaTypes.Png })
            {
                using var copy = new MemoryStream();
                await content.Content.CopyToAsync(copy, ct);
                picture = copy.ToArray();
            }
        }
        picture ??= PlaceholderPainter.Paint(agentId, Images.ImageKind.BasePortrait, card.Name);
        var v2 = Convert.ToBase64String(Encoding.UTF8.GetBytes(CardJson.Write(card).ToJsonString()));
        var v3 = Convert.ToBase64String(Encoding.UTF8.GetBytes(CardJson.Write(card, v3: true).ToJsonString()));
        return CardPng.WithText(picture, [new("chara", v2), new("ccv3", v3)]);
    }

    private static string? Blank(string value) => value.Length == 0 ? null : value;

    /// <summary>What the turn reads of an imported card (the prompt's scenario, examples and the card's own instructions).</summary>
    public sealed record StoredCard(
        string Spec, string Scenario, string FirstMessage, string ExampleDialogues, string CreatorNotes, string SystemPrompt, string PostHistoryInstructions,
        IReadOnlyList<string> AlternateGreetings, IReadOnlyList<string> Tags, string Creator, string CharacterVersion, JsonObject Extensions);

    internal const string CardColumns = """
        c.spec, c.scenario, c.first_message, c.example_dialogues, c.creator_notes, c.system_prompt, c.post_history_instructions,
        c.alternate_greetings::text, c.tags::text, c.creator, c.character_version, c.extensions::text
        """;

    internal static StoredCard ReadStored(NpgsqlDataReader r, int at) => new(
        r.GetString(at), r.GetString(at + 1), r.GetString(at + 2), r.GetString(at + 3), r.GetString(at + 4), r.GetString(at + 5), r.GetString(at + 6),
        JsonSerializer.Deserialize<string[]>(r.GetString(at + 7)) ?? [], JsonSerializer.Deserialize<string[]>(r.GetString(at + 8)) ?? [],
        r.GetString(at + 9), r.GetString(at + 10), JsonNode.Parse(r.GetString(at + 11)) as JsonObject ?? new JsonObject());

    private async Task<StoredCard?> ReadCardAsync(Guid owner, Guid agent, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {CardColumns} from chat.character_cards c where c.agent_id = @agent and c.owner_id = @owner");
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadStored(reader, 0) : null;
    }

    private static async Task WriteCardAsync(NpgsqlTransaction tx, Guid owner, Guid agent, CharacterCard card, string? mediaId, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into chat.character_cards (agent_id, owner_id, spec, scenario, first_message, example_dialogues, creator_notes, system_prompt,
                post_history_instructions, alternate_greetings, tags, creator, character_version, extensions, imported_at)
            values (@agent, @owner, @spec, @scenario, @first, @examples, @notes, @system, @post, @greetings::jsonb, @tags::jsonb, @creator, @version,
                @extensions::jsonb, @now);
            update companions.agents set base_image_media_id = coalesce(@media, base_image_media_id) where id = @agent;
            """, tx.Connection, tx);
        var p = command.Parameters;
        p.AddWithValue("agent", agent);
        p.AddWithValue("owner", owner);
        p.AddWithValue("spec", card.Spec);
        p.AddWithValue("scenario", card.Scenario);
        p.AddWithValue("first", card.FirstMessage);
        p.AddWithValue("examples", card.ExampleDialogues);
        p.AddWithValue("notes", card.CreatorNotes);
        p.AddWithValue("system", card.SystemPrompt);
        p.AddWithValue("post", card.PostHistoryInstructions);
        p.AddWithValue("greetings", JsonSerializer.Serialize(card.AlternateGreetings));
        p.AddWithValue("tags", JsonSerializer.Serialize(card.Tags));
        p.AddWithValue("creator", card.Creator);
        p.AddWithValue("version", card.CharacterVersion);
        p.AddWithValue("extensions", card.Extensions.ToJsonString());
        p.Add(new NpgsqlParameter("media", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)mediaId ?? DBNull.Value });
        p.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The card's first message opens the conversation: a new session whose first message is the companion's.</summary>
    private static async Task OpenConversationAsync(NpgsqlTransaction tx, Guid owner, Guid agent, Guid messageId, string text, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into chat.sessions (id, owner_id, agent_id, started_at, last_message_at, turns) values (@session, @owner, @agent, @now, @now, 0);
            insert into chat.messages (id, owner_id, agent_id, session_id, role, kind, text, dedupe_key, created_at)
            values (@id, @owner, @agent, @session, 'agent', 'text', @text, 'card:first-message', @now);
            """, tx.Connection, tx);
        command.Parameters.AddWithValue("session", Guid.CreateVersion7());
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("agent", agent);
        command.Parameters.AddWithValue("id", messageId);
        command.Parameters.AddWithValue("text", text.Trim());
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// The macros cards are written with: <c>{{char}}</c> (and V1's <c>&lt;BOT&gt;</c>) is the companion's name,
/// <c>{{user}}</c> (<c>&lt;USER&gt;</c>) the user's; <c>{{original}}</c> (SillyTavern's "the default prompt here") goes.
/// </summary>
public static class CardMacros
{
    public static string Apply(string text, string agentName, string userName)
    {
        if (text.IndexOf('{') < 0 && text.IndexOf('<') < 0) return text;
        var comparison = StringComparison.OrdinalIgnoreCase;
        return text.Replace("{{char}}", agentName, comparison).Replace("<BOT>", agentName, comparison)
            .Replace("{{user}}", userName, comparison).Replace("<USER>", userName, comparison)
            .Replace("{{original}}", "", comparison);
    }
}
