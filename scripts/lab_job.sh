#!/usr/bin/env bash
# One lab job of `make test`, its full output kept in artifacts/lab/<job>.log:
#   demo       the README's main job, scripts/demo.sh, exactly as `make demo` runs it (the default
#              lab "novalab" and inventories/lab), then the CLI's checks on that lab (tests/demo/:
#              the walkthrough again through `novavol --json`, then nothing left behind), then the
#              lab taken down;
#   SCENARIO   `molecule test -s SCENARIO` on a lab of its own, named after the scenario
#              (NOVALAB_PREFIX=... puts a prefix before that name, to keep two checkouts apart;
#              NOVALAB_NAME=... names the lab outright when one scenario runs alone).
# Prints one line with the result and, on failure, the end of the log; adds a line to
# $NOVAVOLUME_TIMES when set (scripts/test.sh's table); exits with the job's code.
# A job still running after LAB_JOB_TIMEOUT seconds (default 1200, about three times the longest
# job) is stopped, its lab taken down, and it fails: a guest or a run that hangs must cost one
# job, not CI's whole time, and the end of its log shows where it hung.
#   bash scripts/lab_job.sh demo|SCENARIO
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg"
job="$1"
timeout_seconds="${LAB_JOB_TIMEOUT:-1200}"
log="$ROOT/artifacts/lab/$job.log"
mkdir -p "$(dirname "$log")"
started=$SECONDS
# Every ansible-playbook of the job (molecule's, and those its tasks start) appends each task's
# seconds to artifacts/lab/<job>.tasks.tsv (scripts/callback_plugins/task_times.py); the end of
# the job's log lists the slowest, and scripts/test.sh the slowest of all jobs.
tasks_tsv="$ROOT/artifacts/lab/$job.tasks.tsv"
: >"$tasks_tsv"
export ANSIBLE_CALLBACK_PLUGINS="$ROOT/scripts/callback_plugins" ANSIBLE_CALLBACKS_ENABLED=task_times \
  NOVAVOLUME_TASK_TIMES="$tasks_tsv"

# The demo job: the README's walkthrough, the CLI's checks on its lab, then the lab taken down.
# shellcheck disable=SC2317  # it runs through `bash -c`, under timeout
demo_job() {
  local rc=0
  bash scripts/demo.sh || rc=$?
  if ((rc == 0)); then
    printf '\n== the CLI checks on the same lab (tests/demo/)\n'
    ansible-playbook -i inventories/lab tests/demo/cli.yml &&
      python -m pytest -q -p no:cacheprovider tests/demo --ansible-inventory=inventories/lab \
        --connection=ansible --hosts=controller1,compute1 || rc=$?
  fi
  printf '\n== taking the default lab down (lab/playbooks/lab_down.yml)\n'
  ansible-playbook lab/playbooks/lab_down.yml || rc=$((rc ? rc : 1))
  return "$rc"
}

if [[ "$job" == demo ]]; then
  kind=demo
  unset NOVALAB_NAME
  export -f demo_job
  timeout --kill-after=30 "$timeout_seconds" bash -c demo_job >"$log" 2>&1
  rc=$?
else
  kind=molecule
  # Our scenarios live in molecule/ at the collection root; say so rather than rely on
  # molecule's guess between that and extensions/molecule/.
  export MOLECULE_GLOB='molecule/*/molecule.yml'
  export NOVALAB_NAME="${NOVALAB_NAME:-${NOVALAB_PREFIX:-}${job//_/-}}"
  timeout --kill-after=30 "$timeout_seconds" molecule test -s "$job" >"$log" 2>&1
  rc=$?
fi

# timeout's own codes: 124 when it stopped the job, 137 when the job had to be killed.
if ((rc == 124 || rc == 137)); then
  {
    printf '\n== %s ran out of its %s s (LAB_JOB_TIMEOUT): stopped; taking its lab down\n' "$job" "$timeout_seconds"
    ansible-playbook lab/playbooks/lab_down.yml
  } >>"$log" 2>&1
fi

took=$((SECONDS - started))
{
  printf '\n== the slowest tasks of %s (seconds, ansible-playbook depth, playbook, task)\n' "$job"
  sort -t $'\t' -k4,4 -g -r "$tasks_tsv" | head -n 25 | awk -F'\t' '{printf "%7.1f  %s  %-45s %s\n", $4, $1, $2, $3}'
} >>"$log"
result=passed
((rc == 0)) || result="FAILED (rc $rc)"
[[ -n "${NOVAVOLUME_TIMES:-}" ]] && printf '%s\t%s\t%s\t%s\n' "$kind" "$job" "$took" "$result" >>"$NOVAVOLUME_TIMES"
if ((rc == 0)); then
  printf '%-8s %-12s passed in %4ss\n' "$kind" "$job" "$took"
else
  printf '%-8s %-12s FAILED (rc %s) in %4ss; end of %s:\n' "$kind" "$job" "$rc" "$took" "$log"
  tail -n 60 "$log" | sed 's/^/    /'
fi
exit "$rc"
