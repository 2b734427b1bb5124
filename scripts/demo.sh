#!/usr/bin/env bash
# The main job: bring up the UML lab (controller1 + compute1 + compute2), install the service on
# it with site.yml, then walk through the classic nova-volume commands with the `novavol` CLI.
# The lab stays up afterwards so you can look around; `make lab-down` removes it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "bringing up the lab (lab/playbooks/lab_up.yml)"
ansible-playbook lab/playbooks/lab_up.yml

say "installing the service on the lab (playbooks/site.yml)"
ansible-playbook playbooks/site.yml

say "the nova-volume walkthrough"
bash scripts/demo_walkthrough.sh

say "done: the lab is still up (inventory inventories/lab/); 'make lab-down' removes it"
