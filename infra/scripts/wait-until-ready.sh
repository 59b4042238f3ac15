#!/bin/sh
# azd postdeploy hook: the app scales to zero, so wake it with a request, which also lets it apply migrations at start,
# and wait until /readyz answers 200 (database reachable, migrations done). Fails after 10 minutes.
set -eu
url="${SERVICE_FUNCTIONS_URI:?SERVICE_FUNCTIONS_URI is not set: run azd provision first}"
echo "Waiting for $url/readyz (the first start applies the migrations)..."
attempt=0
until curl --fail --silent --show-error --max-time 20 "$url/readyz" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 60 ]; then
    echo "Hearth did not become ready within 10 minutes. Logs: az containerapp logs show -n ${SERVICE_FUNCTIONS_NAME:-<app>} -g ${AZURE_RESOURCE_GROUP:-<group>} --follow" >&2
    exit 1
  fi
  sleep 10
done
echo "Hearth is ready: $url"
