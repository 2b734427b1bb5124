#!/usr/bin/env bash
# Everything CI runs, in order of cost: Python tests (unit, CLI, collection build, lab), ansible-lint,
# ansible-test sanity, then the lab jobs: the README's main job (scripts/demo.sh on the default
# lab, as a newcomer runs it, then the lab taken down) and every molecule scenario on a lab of
# its own. Every stage runs; the script fails at the end if any stage failed, and lists which.
# At the end: a table of every stage and lab job with its seconds, and the total.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg"

TIMES="$ROOT/artifacts/times.tsv"
mkdir -p "$(dirname "$TIMES")"
: >"$TIMES"
export NOVAVOLUME_TIMES="$TIMES"
started_all=$SECONDS

# The machine's busy and idle CPU time so far (jiffies, from /proc/stat), to say at the end how
# much of its CPU the run used: near 100% means more lanes cannot help, only less work can.
cpu_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
read -r busy_at_start idle_at_start < <(cpu_jiffies)

failed=()
stage() {
  local name="$1"; shift
  printf '\n===== %s =====\n' "$name"
  local started=$SECONDS result=passed
  "$@" || { result=FAILED; failed+=("$name"); }
  printf '===== %s: %s in %ss =====\n' "$name" "$result" $((SECONDS - started))
  printf 'stage\t%s\t%s\t%s\n' "$name" $((SECONDS - started)) "$result" >>"$TIMES"
  [[ "$result" == passed ]]
}

# Lab jobs: the demo (with the CLI's checks on its lab) and the scenarios. Each scenario boots a
# lab of its own (named after it); the scenarios that do not test the roles on bare hosts boot
# from a prepared lab state (molecule/shared/create.yml). MOLECULE_LANES of them run side by
# side: the guests mostly wait on each other, so two lanes use this 2-core machine better than
# one. Longest first (as measured), so that the lanes end close together; but lifecycle, which
# makes the prepared LIO state when the roles or modules changed (about 110 s), starts beside a
# job that boots bare hosts (roles), not beside one that would wait for that state.
# MOLECULE_SCENARIOS=... runs only those (and no demo).
ALL_JOBS="lifecycle roles faults backup roles_tgt recovery attach demo concurrency volumes lab"
ALL_SCENARIOS="${ALL_JOBS/demo /}"
MOLECULE_LANES="${MOLECULE_LANES:-2}"

run_lab_jobs() {
  local jobs="${MOLECULE_SCENARIOS:-$ALL_JOBS}" on_disk
  on_disk="$(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort | xargs)"
  # A scenario added under molecule/ but missing from ALL_SCENARIOS would silently never run.
  if [[ "$on_disk" != "$(tr ' ' '\n' <<<"$ALL_SCENARIOS" | sort | xargs)" ]]; then
    printf 'molecule/ holds:   %s\nALL_SCENARIOS is: %s\n' "$on_disk" "$ALL_SCENARIOS"
    return 1
  fi
  # A copy of this collection that an older molecule's prerun installed would shadow the
  # working tree (the scenarios set prerun: false).
  rm -rf "$HOME/.ansible/collections/ansible_collections/novavolume"
  tr ' ' '\n' <<<"$jobs" | xargs -P "$MOLECULE_LANES" -I{} bash scripts/lab_job.sh {}
}

print_times() {
  printf '\n%-8s %-40s %8s  %s\n' kind name seconds result
  while IFS=$'\t' read -r kind name seconds result; do
    printf '%-8s %-40s %8s  %s\n' "$kind" "$name" "$seconds" "$result"
  done <"$TIMES"
  printf '%-8s %-40s %8s\n' total "make test (after set-up)" $((SECONDS - started_all))
  local busy idle
  read -r busy idle < <(cpu_jiffies)
  busy=$((busy - busy_at_start)) idle=$((idle - idle_at_start))
  printf 'CPU busy %s%% of the run (%s cores), lab lanes %s\n' $((100 * busy / (busy + idle + 1))) "$(nproc)" "$MOLECULE_LANES"
  # Each lab job's tasks (scripts/lab_job.sh), for the jobs of this run.
  printf '\nThe slowest tasks of the lab jobs (seconds, job, ansible-playbook depth, playbook, task):\n'
  awk -F'\t' '$1 != "stage" {print $2}' "$TIMES" | while read -r job; do
    [[ -f "$ROOT/artifacts/lab/$job.tasks.tsv" ]] && sed "s|^|$job\t|" "$ROOT/artifacts/lab/$job.tasks.tsv"
  done | sort -t $'\t' -k5,5 -g -r | head -n 15 | awk -F'\t' '{printf "%7.1f  %-12s %s  %-40s %s\n", $5, $1, $2, $3, substr($4, 1, 90)}'
}

# The lab jobs start first, in the background: their guests spend much of their time waiting
# (boots, SSH round trips), which the quick stages fill. Their one-line results are shown once
# the quick stages are done, then as they come. MOLECULE_ONLY=1 (make molecule) skips the
# quick stages.
LAB_JOBS_OUT="$ROOT/artifacts/lab/jobs.out"
mkdir -p "$(dirname "$LAB_JOBS_OUT")"
stage "lab jobs (demo and molecule scenarios, UML labs)" run_lab_jobs >"$LAB_JOBS_OUT" 2>&1 &
lab_jobs_pid=$!
if [[ -z "${MOLECULE_ONLY:-}" ]]; then
  stage "python tests (unit, cli, build, lab)" python -m pytest -q -p no:cacheprovider tests/unit tests/cli tests/build lab/tests/unit
  stage "ansible-lint (production profile)" ansible-lint
  stage "ansible-test sanity (both collections)" bash scripts/sanity.sh
fi
tail --pid="$lab_jobs_pid" -n +1 -f "$LAB_JOBS_OUT"
# The background stage ran in a subshell: its failure comes back as its exit status.
wait "$lab_jobs_pid" || failed+=("lab jobs (demo and molecule scenarios, UML labs)")

print_times
printf '\n'
if ((${#failed[@]})); then
  printf 'FAILED stages: %s\n' "${failed[*]}"
  exit 1
fi
printf 'all stages passed\n'
