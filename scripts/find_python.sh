#!/usr/bin/env bash
# Print the path of a working Python interpreter of the requested minor version (e.g. 3.10).
# pyenv shims refuse to run unless the version is selected, so prefer pyenv's real binaries,
# then fall back to pythonX.Y on PATH. Every candidate is executed to prove it works.
set -euo pipefail
want="${1:?usage: find_python.sh 3.10}"
candidates=()
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for d in $(ls -d "$root"/versions/"$want".* 2>/dev/null | sort -rV); do
    candidates+=("$d/bin/python")
  done
fi
if command -v "python$want" >/dev/null 2>&1; then candidates+=("$(command -v "python$want")"); fi
for c in /usr/bin/python"$want" /usr/local/bin/python"$want"; do candidates+=("$c"); done
for c in "${candidates[@]}"; do
  if [ -x "$c" ] && v="$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" && [ "$v" = "$want" ]; then
    echo "$c"; exit 0
  fi
done
echo "error: Python $want not found. Install it (e.g. 'pyenv install $want' or 'apt-get install python$want') and re-run." >&2
exit 1
