#!/usr/bin/env bash
# PreToolUse hook: refuses shell commands that destroy data or leak secrets. Reads the tool call as JSON on stdin;
# exit code 2 blocks the command and shows stderr to the model.
set -euo pipefail

input="$(cat)"
command="$(jq -r '.tool_input.command // ""' <<<"$input")"

deny() {
  echo "Blocked: $1. Ask the user to run it themselves if it is really intended." >&2
  exit 2
}

case "$command" in
  *"rm -rf /"*|*"rm -rf ~"*|*"rm -rf ."*) deny "recursive delete of a root, home or working directory" ;;
  *"git push --force"*|*"git push -f"*) deny "force push rewrites shared history" ;;
  *"DROP DATABASE"*|*"drop database"*) deny "dropping a database" ;;
  *"chmod -R 777"*) deny "making everything world-writable" ;;
esac

if grep -Eq '(cat|less|head|tail)[^|]*\.env\b' <<<"$command"; then
  deny "printing a .env file would put secrets in the transcript"
fi

exit 0
