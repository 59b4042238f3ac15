using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Hearth.Testing.Fakes;

namespace Hearth.Chat.Tests;

/// <summary>Character cards written for these tests from the published V2 and V3 specs (field names and shapes), not copied from any card.</summary>
public static class CardFixtures
{
    /// <summary>A complete V2 card: every field of the spec, macros, a character book with a plain, a selective and a constant entry.</summary>
    public static JsonObject V2() => JsonNode.Parse("""
        {
          "spec": "chara_card_v2",
          "spec_version": "2.0",
          "data": {
            "name": "Captain Wren",
            "description": "{{char}} commands the airship Kestrel and owes money in every port.",
            "personality": "dry wit, fiercely loyal, allergic to paperwork",
            "scenario": "{{user}} has just signed on as the Kestrel's navigator.",
            "first_mes": "Welcome aboard, {{user}}. Mind the rigging, it bites.",
            "mes_example": "<START>\n{{user}}: Where are we headed?\n{{char}}: Wherever the wind owes us money.",
            "creator_notes": "Best with a slow-burn adventure.",
            "system_prompt": "Keep the banter quick and salty.",
            "post_history_instructions": "End on a hook when it fits.",
            "alternate_greetings": ["Oh good, the new navigator. Can you read a map upside down?", "You're late. The clouds wait for no one."],
            "tags": ["adventure", "airship", "captain"],
            "creator": "hearth-tests",
            "character_version": "1.2",
            "extensions": { "talkativeness": "0.6", "fav": false },
            "character_book": {
              "name": "Skyways",
              "description": "What sailors of the sky know.",
              "scan_depth": 3,
              "token_budget": 300,
              "recursive_scanning": false,
              "extensions": {},
              "entries": [
                { "keys": ["Kestrel"], "content": "The Kestrel is a three-masted airship with a patched blue balloon.", "extensions": {}, "enabled": true,
                  "insertion_order": 10, "case_sensitive": false, "name": "ship", "priority": 5, "id": 1, "comment": "the ship",
                  "selective": false, "secondary_keys": [], "constant": false, "position": "after_char" },
                { "keys": ["Vantor"], "content": "Vantor is the storm city where Wren's debts are collected.", "extensions": {}, "enabled": true,
                  "insertion_order": 20, "case_sensitive": false, "name": "city", "id": 2, "comment": "",
                  "selective": true, "secondary_keys": ["storm", "debt"], "constant": false, "position": "after_char" },
                { "keys": [], "content": "Sky pirates fly black kites from their masts.", "extensions": {}, "enabled": true,
                  "insertion_order": 5, "case_sensitive": false, "name": "pirates", "id": 3, "comment": "",
                  "selective": false, "secondary_keys": [], "constant": true, "position": "before_char" }
              ]
            }
          }
        }
        """)!.AsObject();

    /// <summary>A V3 card (spec chara_card_v3): the V2 fields plus V3's own (nickname, group-only greetings, assets, dates).</summary>
    public static JsonObject V3() => JsonNode.Parse("""
        {
          "spec": "chara_card_v3",
          "spec_version": "3.0",
          "data": {
            "name": "Odile Marchetti",
            "description": "A retired opera singer who now restores harpsichords in {{char}}'s own workshop.",
            "personality": "grand, warm, impatient with fools",
            "scenario": "{{user}} brings a broken harpsichord to the workshop.",
            "first_mes": "*looks up from the soundboard* Another patient? Bring it here, {{user}}.",
            "mes_example": "<START>\n{{user}}: Can it be saved?\n{{char}}: Everything can be saved, darling, except bad taste.",
            "creator_notes": "Theatrical.",
            "system_prompt": "",
            "post_history_instructions": "",
            "alternate_greetings": ["Ah, the bell. Come in, come in."],
            "group_only_greetings": [],
            "tags": ["music", "slice of life"],
            "creator": "hearth-tests",
            "character_version": "3",
            "nickname": "Odi",
            "creation_date": 1733000000,
            "modification_date": 1733000100,
            "assets": [ { "type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png" } ],
            "extensions": { "depth_prompt": { "prompt": "Odile hums.", "depth": 4 } },
            "character_book": {
              "name": "Workshop",
              "scan_depth": 2,
              "token_budget": 200,
              "extensions": {},
              "entries": [
                { "keys": ["harpsichord", "Ruckers"], "content": "The 1640 Ruckers harpsichord is Odile's pride.", "extensions": { "x": 1 }, "enabled": true,
                  "insertion_order": 1, "case_sensitive": true, "use_regex": false, "constant": false, "name": "", "priority": 2, "id": "a",
                  "comment": "", "selective": false, "secondary_keys": [], "position": "before_char" }
              ]
            }
          }
        }
        """)!.AsObject();

    public static byte[] Png(JsonObject card, string keyword = "chara") =>
        TinyPng.WithText(TinyPng.Solid(200, 120, 40), keyword, Convert.ToBase64String(Encoding.UTF8.GetBytes(card.ToJsonString())));

    public static HttpContent PngContent(byte[] png) => new ByteArrayContent(png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } };

    public static HttpContent JsonContent(JsonObject card) => new StringContent(card.ToJsonString(), Encoding.UTF8, "application/json");
}
