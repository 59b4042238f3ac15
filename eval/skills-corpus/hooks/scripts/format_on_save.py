#!/usr/bin/env python3
"""PostToolUse hook: formats the file an edit just wrote with the formatter for its language."""
import json
import shutil
import subprocess
import sys

FORMATTERS = {
    ".py": ["ruff", "format"],
    ".ts": ["npx", "prettier", "--write"],
    ".tsx": ["npx", "prettier", "--write"],
    ".js": ["npx", "prettier", "--write"],
    ".go": ["gofmt", "-w"],
    ".rs": ["rustfmt"],
    ".cs": ["dotnet", "format", "whitespace", "--include"],
}


def formatter_for(path):
    for extension, command in FORMATTERS.items():
        if path.endswith(extension) and shutil.which(command[0]):
            return command
    return None


def main():
    event = json.load(sys.stdin)
    path = event.get("tool_input", {}).get("file_path", "")
    command = formatter_for(path)
    if command is None:
        return 0
    result = subprocess.run(command + [path], capture_output=True, text=True)
    if result.returncode != 0:
        # Exit code 1 shows the formatter's complaint to the user without blocking the edit.
        print(result.stderr or result.stdout, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
