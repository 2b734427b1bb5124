#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed at ansible_collections/novavolume/lvm_iscsi,
# holding what `ansible-galaxy collection build` ships (the same paths are left out).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$ROOT/.build"
WORK="$(mktemp -d "$ROOT/.build/sanity.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
COPY="$WORK/ansible_collections/novavolume/lvm_iscsi"
mkdir -p "$COPY"
rsync -a --exclude-from="$ROOT/scripts/copy-excludes.txt" "$ROOT/" "$COPY/"

# ansible-test downloads get-pip.py from a host these machines cannot reach: give it our stand-in.
mkdir -p "$HOME/.ansible/test/cache"
for version in 24_2 24_0 23_1_2; do
  cp "$ROOT/scripts/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
done

cd "$COPY"
git init -q && git add -A
"$ROOT/.venv/bin/ansible-test" sanity --color no --python 3.11 --local --requirements "$@"
