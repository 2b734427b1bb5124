#!/usr/bin/env bash
# Everything CI runs, in order of cost: Python tests (unit, CLI, collection build), ansible-lint,
# ansible-test sanity, then every molecule scenario on the UML lab. Every stage runs; the script
# fails at the end if any stage failed, and lists which.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
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

# Scenarios, longest first; each boots a lab of its own (named after it) and tears it down.
# MOLECULE_LANES of them run side by side: the guests mostly wait on each other, so two lanes
# use this 2-core machine better than one. MOLECULE_SCENARIOS=... runs only those.
ALL_SCENARIOS="roles recovery roles_tgt backup attach_tgt attach cli volumes lab"
MOLECULE_LANES="${MOLECULE_LANES:-2}"

run_molecule() {
  local scenarios="${MOLECULE_SCENARIOS:-$ALL_SCENARIOS}" on_disk
  on_disk="$(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort | xargs)"
  # A scenario added under molecule/ but missing from ALL_SCENARIOS would silently never run.
  if [[ "$on_disk" != "$(tr ' ' '\n' <<<"$ALL_SCENARIOS" | sort | xargs)" ]]; then
    printf 'molecule/ holds:   %s\nALL_SCENARIOS is: %s\n' "$on_disk" "$ALL_SCENARIOS"
    return 1
  fi
  # A copy of this collection that an older molecule's prerun installed would shadow the
  # working tree (the scenarios set prerun: false).
  rm -rf "$HOME/.ansible/collections/ansible_collections/novavolume/lvm_iscsi"
  tr ' ' '\n' <<<"$scenarios" | xargs -P "$MOLECULE_LANES" -I{} bash scripts/molecule_scenario.sh {}
}

# MOLECULE_ONLY=1 (make molecule) skips the quick stages.
if [[ -z "${MOLECULE_ONLY:-}" ]]; then
  stage "python tests (unit, cli, build)" python -m pytest -q -p no:cacheprovider tests/unit tests/cli tests/build
  stage "ansible-lint (production profile)" ansible-lint
  stage "ansible-test sanity" bash scripts/sanity.sh
fi
stage "molecule (all scenarios, UML lab)" run_molecule

printf '\n'
if ((${#failed[@]})); then
  printf 'FAILED stages: %s\n' "${failed[*]}"
  exit 1
fi
printf 'all stages passed\n'
