#!/usr/bin/env bash
# ansible-test sanity on copies of both collections, placed as ansible-test wants them
# (ansible_collections/NAMESPACE/NAME): the storage service novavolume.lvm_iscsi, holding what
# `ansible-galaxy collection build` ships (the same paths are left out), and the lab
# novavolume.lab beside it (its modules use the service's command runner).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$ROOT/.build"
WORK="$(mktemp -d "$ROOT/.build/sanity.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SERVICE="$WORK/ansible_collections/novavolume/lvm_iscsi"
LAB="$WORK/ansible_collections/novavolume/lab"
mkdir -p "$SERVICE" "$LAB"
rsync -a --exclude-from="$ROOT/scripts/copy-excludes.txt" "$ROOT/" "$SERVICE/"
rsync -a --exclude=__pycache__/ "$ROOT/lab/" "$LAB/"

# ansible-test downloads get-pip.py from a host these machines cannot reach: give it our stand-in.
mkdir -p "$HOME/.ansible/test/cache"
for version in 24_2 24_0 23_1_2; do
  cp "$ROOT/scripts/get_pip_offline.py" "$HOME/.ansible/test/cache/get_pip_${version}.py"
done

status=0
for collection in "$SERVICE" "$LAB"; do
  printf '== ansible-test sanity: %s\n' "${collection#"$WORK/ansible_collections/"}"
  (cd "$collection" && git init -q && git add -A &&
   "$ROOT/.venv/bin/ansible-test" sanity --color no --python 3.11 --local --requirements "$@") || status=1
done
exit "$status"
