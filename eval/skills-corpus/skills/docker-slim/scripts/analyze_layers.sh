#!/bin/sh
# Shows the layers of an image, biggest first, with the instruction that created each one.
set -eu

image="${1:?usage: analyze_layers.sh IMAGE}"

docker image inspect "$image" >/dev/null 2>&1 || docker pull "$image"

echo "Total size: $(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1024/1024}')"

docker history --no-trunc --format '{{.Size}}\t{{.CreatedBy}}' "$image" \
  | awk -F'\t' '{ size=$1; cmd=$2; gsub(/\/bin\/sh -c (#\(nop\) )?/, "", cmd); print size "\t" substr(cmd, 1, 120) }' \
  | sort -h -r \
  | head -n 15
