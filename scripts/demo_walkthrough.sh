#!/usr/bin/env bash
# The nova-volume walkthrough of `make demo`, with the classic commands through the `novavol`
# CLI: service-list, create, list, attach, list, extend, detach, backup, delete, list. The lab must be up and set up
# (scripts/demo.sh does both first). Each command is printed before it runs, then its table.
#   bash scripts/demo_walkthrough.sh [SIZE_GB]      (NOVALAB_NAME=NAME for another lab than novalab)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NOVAVOL="$ROOT/.venv/bin/novavol"
SIZE_GB="${1:-1}"
INSTANCE=compute1
DEVICE=/dev/vdb

# Print the command as an operator would type it, then run it (its progress goes to stderr).
run() {
  printf '\n\033[1m$ novavol %s\033[0m\n' "$*"
  "$NOVAVOL" "$@"
}

run service-list
created="$(run volume-create --display-name myvolume "$SIZE_GB")"
printf '%s\n' "$created"
# The new id, from the `| id | N |` row of volume-create's table.
volume_id="$(awk -F'|' '$2 ~ /^ id +$/ { gsub(/ /, "", $3); print $3 }' <<<"$created")"
if [[ -z "$volume_id" ]]; then
  echo "demo: could not read the new volume's id from volume-create's output" >&2
  exit 1
fi

run volume-list
run volume-attach "$INSTANCE" "$volume_id" "$DEVICE"
run volume-list

# What the instance does with its new disk (classic part C): partition, mkfs.ext3, mount, write.
volume_name="$(printf 'volume-%08x' "$volume_id")"
inventory=inventories/lab
[[ -n "${NOVALAB_NAME:-}" ]] && inventory="/var/tmp/novavolume-lab/$NOVALAB_NAME/inventory.yml"
printf '\n\033[1m$ ansible-playbook playbooks/instance_format.yml -e volume=%s -e instance=%s\033[0m\n' "$volume_name" "$INSTANCE"
"$ROOT/.venv/bin/ansible-playbook" -i "$inventory" playbooks/instance_format.yml -e "volume=$volume_name" -e "instance=$INSTANCE"

# Online extend: the LV grows, and the disk on the compute host shows the new size.
run extend "$volume_id" "$((SIZE_GB + 1))"

run volume-detach "$INSTANCE" "$volume_id"
run volume-backup "$volume_id"
run volume-delete "$volume_id"
run volume-list
