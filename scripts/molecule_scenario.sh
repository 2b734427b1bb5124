#!/usr/bin/env bash
# Run one molecule scenario on a lab of its own (each scenario's lab is named after it, so two
# scenarios can run side by side), its full output kept in artifacts/molecule/<scenario>.log.
# Prints one line with the result and, on failure, the end of the log; exits with molecule's code.
#   bash scripts/molecule_scenario.sh SCENARIO
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export PATH="$ROOT/.venv/bin:$PATH"
# Our scenarios live in molecule/ at the collection root; say so rather than rely on molecule's
# guess between that and extensions/molecule/.
export MOLECULE_GLOB='molecule/*/molecule.yml'
scenario="$1"
log="$ROOT/artifacts/molecule/$scenario.log"
mkdir -p "$(dirname "$log")"
started=$SECONDS
molecule test -s "$scenario" >"$log" 2>&1
rc=$?
if ((rc == 0)); then
  printf 'molecule %-12s passed in %4ss\n' "$scenario" $((SECONDS - started))
else
  printf 'molecule %-12s FAILED (rc %s) in %4ss; end of %s:\n' "$scenario" "$rc" $((SECONDS - started)) "$log"
  tail -n 60 "$log" | sed 's/^/    /'
fi
exit "$rc"
