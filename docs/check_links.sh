#!/usr/bin/env bash
# Checks that every relative link in README.md and docs/*.md resolves inside the repository, and that no document
# points outside it to a relative path above the repository root.
#   check_links.sh REPOSITORY_ROOT
# A link is Markdown's [text](target); targets with a scheme (https:, mailto:) and pure anchors (#...) are not
# files and are skipped. Prints each broken link as FILE: TARGET and exits 1 if there is any.
set -uo pipefail
root=$(cd "${1:?usage: check_links.sh REPOSITORY_ROOT}" && pwd)
broken=0 checked=0
for doc in "$root/README.md" "$root"/docs/*.md; do
  [[ -f $doc ]] || continue
  dir=$(dirname "$doc")
  # Inline links, one per line; code spans and fenced blocks are not links.
  while IFS= read -r target; do
    target=${target%%#*}            # drop an anchor
    target=${target%% *}            # drop a title: (file "title")
    [[ -z $target || $target =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]] && continue
    checked=$((checked + 1))
    resolved=$(realpath -m "$dir/$target")
    if [[ $resolved != "$root" && $resolved != "$root"/* ]]; then
      echo "${doc#"$root"/}: $target points outside the repository"
      broken=$((broken + 1))
    elif [[ ! -e $resolved ]]; then
      echo "${doc#"$root"/}: $target does not exist"
      broken=$((broken + 1))
    fi
  done < <(awk '/^```/ { fenced = !fenced; next } !fenced' "$doc" | sed 's/`[^`]*`//g' |
           grep -o '\]([^)]*)' | sed 's/^](//; s/)$//')
done
echo "$checked relative links checked, $broken broken"
[[ $broken -eq 0 && $checked -gt 0 ]]
