#!/usr/bin/env bash
# Everything CI runs, in order of cost: Python tests (unit, CLI, collection build), ansible-lint,
# ansible-test sanity, then every molecule scenario on the UML lab. Every stage runs; the script
# fails at the end if any stage failed, and lists which.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg"

failed=()
stage() {
  local name="$1"; shift
  printf '\n===== %s =====\n' "$name"
  local started=$SECONDS
  if "$@"; then
    printf '===== %s: passed in %ss =====\n' "$name" $((SECONDS - started))
  else
    printf '===== %s: FAILED in %ss =====\n' "$name" $((SECONDS - started))
    failed+=("$name")
  fi
}

run_molecule() {
  # Scenarios boot their own lab and tear it down; if one dies halfway, make sure no guest,
  # tap or namespace outlives the run.
  trap 'ansible-playbook playbooks/lab_down.yml -e lab_name=novalab >/dev/null 2>&1 || true' RETURN
  # Our scenarios live in molecule/ at the collection root; say so, rather than rely on molecule's
  # guess between that and extensions/molecule/.
  MOLECULE_GLOB='molecule/*/molecule.yml' molecule test --all
}

stage "python tests (unit, cli, build)" python -m pytest -q -p no:cacheprovider tests/unit tests/cli tests/build
stage "ansible-lint (production profile)" ansible-lint
stage "ansible-test sanity" bash scripts/sanity.sh
stage "molecule (all scenarios, UML lab)" run_molecule

printf '\n'
if ((${#failed[@]})); then
  printf 'FAILED stages: %s\n' "${failed[*]}"
  exit 1
fi
printf 'all stages passed\n'
