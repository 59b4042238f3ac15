// Stop hook: posts a short summary to a Slack incoming webhook when a session finishes, so long tasks can run unattended.
import { readFileSync } from "node:fs";

interface StopEvent {
  session_id: string;
  transcript_path: string;
  cwd: string;
}

const webhook = process.env.SLACK_WEBHOOK_URL;

function lastAssistantMessage(transcriptPath: string): string {
  const lines = readFileSync(transcriptPath, "utf8").trim().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const entry = JSON.parse(lines[i]);
    if (entry.type === "assistant") {
      const text = entry.message?.content?.find((c: { type: string }) => c.type === "text")?.text ?? "";
      return text.slice(0, 500);
    }
  }
  return "(no message)";
}

async function notify(event: StopEvent): Promise<void> {
  if (!webhook) return; // not configured: stay silent
  const text = `Session finished in ${event.cwd}:\n${lastAssistantMessage(event.transcript_path)}`;
  const response = await fetch(webhook, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  if (!response.ok) console.error(`Slack answered ${response.status}`);
}

const event: StopEvent = JSON.parse(readFileSync(0, "utf8"));
notify(event);
