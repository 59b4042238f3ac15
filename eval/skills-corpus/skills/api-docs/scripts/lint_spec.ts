import { readFileSync } from "node:fs";
import { parse } from "yaml";

interface Finding {
  path: string;
  rule: string;
  message: string;
}

type Operation = { operationId?: string; summary?: string; responses?: Record<string, unknown>; tags?: string[] };

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

export function lintOperations(spec: any): Finding[] {
  const findings: Finding[] = [];
  for (const [path, item] of Object.entries<any>(spec.paths ?? {})) {
    if (/[A-Z_]/.test(path.replace(/\{[^}]+\}/g, ""))) {
      findings.push({ path, rule: "kebab-case-paths", message: "paths are lower-case kebab-case" });
    }
    for (const method of METHODS) {
      const op: Operation | undefined = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!op.operationId) findings.push({ path: where, rule: "operation-id", message: "missing operationId" });
      if (!op.summary) findings.push({ path: where, rule: "summary", message: "missing summary" });
      const codes = Object.keys(op.responses ?? {});
      if (!codes.some((c) => c.startsWith("4"))) {
        findings.push({ path: where, rule: "error-responses", message: "document at least one 4xx response" });
      }
    }
  }
  return findings;
}

function main(file: string): void {
  const spec = parse(readFileSync(file, "utf8"));
  const findings = lintOperations(spec);
  for (const f of findings) console.log(`${f.rule}\t${f.path}\t${f.message}`);
  process.exitCode = findings.length > 0 ? 1 : 0;
}

main(process.argv[2] ?? "openapi.yaml");
