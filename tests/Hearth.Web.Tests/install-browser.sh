#!/usr/bin/env bash
# Installs Debian's Chromium for the web tests (Playwright drives it; no browser download). Idempotent: does nothing
# when chromium is already on PATH. As root it uses apt-get; otherwise it prints the command and exits 1.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium for the web tests (apt-get)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
  echo "apt-get ran but chromium is still not on PATH." >&2
  exit 1
fi
echo "The web tests need Chromium: sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
