#!/bin/sh
# Mints a bearer token for the deployed Hearth, signed with the HS256 secret azd generated (Key Vault: auth-jwt-secret).
# For operators and first steps; users of a real identity provider get tokens from it (HEARTH_JWT_JWKS_URL).
#
#   ./infra/scripts/mint-token.sh <subject> [--admin] [--name "Display Name"] [--hours N]
#
# Reads AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AZURE_KEY_VAULT_NAME from the azd environment and the secret with the
# Azure CLI (you need the "Key Vault Secrets Officer" role azd gave you). HEARTH_JWT_SECRET, AUTH_JWT_ISSUER and
# AUTH_JWT_AUDIENCE in the environment take precedence (no azd or az needed then).
set -eu

usage() { echo "usage: $0 <subject> [--admin] [--name NAME] [--hours N]" >&2; exit 64; }
[ $# -ge 1 ] || usage
subject=$1; shift
admin=false; name=""; hours=24
while [ $# -gt 0 ]; do
  case "$1" in
    --admin) admin=true ;;
    --name) [ $# -ge 2 ] || usage; name=$2; shift ;;
    --hours) [ $# -ge 2 ] || usage; hours=$2; shift ;;
    *) usage ;;
  esac
  shift
done
case "$hours" in ''|*[!0-9]*) echo "--hours takes a whole number" >&2; exit 64 ;; esac

if [ -z "${HEARTH_JWT_SECRET:-}" ] || [ -z "${AUTH_JWT_ISSUER:-}" ] || [ -z "${AUTH_JWT_AUDIENCE:-}" ]; then
  eval "$(azd env get-values)"
  HEARTH_JWT_SECRET=${HEARTH_JWT_SECRET:-$(az keyvault secret show --vault-name "$AZURE_KEY_VAULT_NAME" --name auth-jwt-secret --query value --output tsv)}
fi

# JSON string escaping for the few characters that need it in names and subjects.
json() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
claims=$(printf '"iss":"%s","aud":"%s","sub":"%s","iat":%d,"exp":%d' \
  "$(json "$AUTH_JWT_ISSUER")" "$(json "$AUTH_JWT_AUDIENCE")" "$(json "$subject")" "$now" "$((now + hours * 3600))")
[ -n "$name" ] && claims="$claims,\"name\":\"$(json "$name")\""
[ "$admin" = true ] && claims="$claims,\"roles\":[\"admin\"]"

header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
payload=$(printf '{%s}' "$claims" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$HEARTH_JWT_SECRET" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
