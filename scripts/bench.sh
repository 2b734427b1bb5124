#!/usr/bin/env bash
# Every benchmark of bench/, each printed as ratios against its baseline (never asserted):
# backup throughput on the host, then the lab's boot times, bare and prepared (each on lab
# "bench" of its own making), then, on lab "bench" set up with site.yml (and its second storage
# network), the drift check of 100 volumes, the attach/detach latency, the no-op site.yml, the
# clones and snapshots, a later backup after 1% changed, and the throughput over one path and two. The output is kept in
# artifacts/bench/<name>.txt. Give names to run only some: bash scripts/bench.sh backup_throughput
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg" NOVALAB_NAME=bench
mkdir -p artifacts/bench
benches=("$@")
((${#benches[@]})) || benches=(backup_throughput backup_incremental lab_boot lab_prepared volumes_drift attach_latency site_noop clone_snapshot
                                backup_incremental_lab multipath_throughput)

failed=0
lab_ready=""
for bench in "${benches[@]}"; do
  if [[ "$bench" == volumes_drift || "$bench" == attach_latency || "$bench" == site_noop || "$bench" == clone_snapshot ||
        "$bench" == backup_incremental_lab || "$bench" == multipath_throughput ]] && [[ -z "$lab_ready" ]]; then
    if ! { NOVALAB_SECOND_NETWORK=true ansible-playbook lab/playbooks/lab_up.yml >/dev/null &&
           ansible-playbook -i /var/tmp/novavolume-lab/bench/inventory.yml playbooks/site.yml >/dev/null; }; then
      echo "bench: setting up lab 'bench' failed"
      failed=1
      break
    fi
    lab_ready=yes
  fi
  printf '\n===== bench/%s.py =====\n' "$bench"
  python "bench/$bench.py" 2>&1 | tee "artifacts/bench/$bench.txt" || failed=1
done
[[ -n "$lab_ready" ]] && ansible-playbook lab/playbooks/lab_down.yml >/dev/null
exit "$failed"
