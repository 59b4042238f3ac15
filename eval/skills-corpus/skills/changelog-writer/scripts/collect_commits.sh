#!/usr/bin/env bash
# Prints the commits between two refs as "type<TAB>scope<TAB>breaking<TAB>subject<TAB>hash", skipping merges.
set -euo pipefail

from="${1:?usage: collect_commits.sh FROM_TAG [TO_REF]}"
to="${2:-HEAD}"

parse_header() {
  local header="$1"
  if [[ "$header" =~ ^([a-z]+)(\(([^)]+)\))?(!)?:\ (.*)$ ]]; then
    printf '%s\t%s\t%s\t%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]:+yes}" "${BASH_REMATCH[5]}"
  else
    printf 'other\t\t\t%s' "$header"
  fi
}

git log --no-merges --format='%H%x1f%s%x1f%b%x1e' "${from}..${to}" | while IFS=$'\x1f' read -r -d $'\x1e' hash subject body; do
  line="$(parse_header "$subject")"
  if grep -q '^BREAKING CHANGE:' <<<"$body"; then
    line="$(awk -F'\t' 'BEGIN{OFS="\t"} {$3="yes"; print}' <<<"$line")"
  fi
  printf '%s\t%s\n' "$line" "${hash:0:8}"
done
