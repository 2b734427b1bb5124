#!/usr/bin/env bash
# One idempotent set-up for the control node: Debian packages, the project's virtual
# environment with pinned Python packages, and the collection dependencies under collections/.
# Each step is skipped when a stamp says its inputs have not changed, so a second run is fast.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMPS="$VENV/.stamps"
PYTHON="${PYTHON:-python3}"

# Debian packages the control node needs: venv/rsync/git for the tooling, everything the
# UML lab uses on the host (kernel, image builder, namespaces, SSH through the namespace), and
# the compressors that bench/backup_throughput.py measures volume_backup's pipeline with, and
# restic, which tests/unit runs for real against a repository in a temp folder.
APT_PACKAGES=(
  python3 python3-venv python3-dev gcc git rsync make
  user-mode-linux mmdebstrap e2fsprogs iproute2 netcat-openbsd openssh-client
  uml-utilities procps util-linux ca-certificates shellcheck patchelf
  pigz zstd restic
)

# Where the lab's UML kernel comes from on a host that Debian 12's cannot serve (see
# install_lab_kernel); the lab role uses it whenever it is there.
LAB_UML_DIR=/opt/novavolume-lab/uml

log() { printf '[setup] %s\n' "$*"; }

install_apt_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

stamp_ok() { [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$STAMPS"; printf '%s' "$2" >"$STAMPS/$1"; }

install_python_packages() {
  [[ -x "$VENV/bin/python" ]] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
  local key
  key="$(cat "$ROOT/requirements.txt" "$ROOT/cli/pyproject.toml" | sha256sum | cut -c1-16)"
  if ! stamp_ok python "$key"; then
    log "installing pinned Python packages"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    if [[ -f "$ROOT/cli/pyproject.toml" ]]; then
      "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps -e "$ROOT/cli"
    fi
    stamp_set python "$key"
  fi
}

install_collections() {
  # Galaxy is not reachable from the project's machines; the same collection releases ship
  # inside the `ansible` community package on PyPI, so take them out of its wheel.
  local key dest="$ROOT/collections/ansible_collections"
  key="$(sha256sum "$ROOT/collections/requirements.yml" "$ROOT/scripts/install_collections.py" | sha256sum | cut -c1-16)"
  if ! stamp_ok collections "$key" || [[ ! -d "$dest/community/general" ]]; then
    log "installing collection dependencies into collections/"
    "$VENV/bin/python" "$ROOT/scripts/install_collections.py" \
      --requirements "$ROOT/collections/requirements.yml" --dest "$dest" --cache "$VENV/cache"
    stamp_set collections "$key"
  fi
}

# The lab's guests run on a newer UML kernel than Debian 12's (Debian unstable's, with the C
# library it needs, in LAB_UML_DIR; nothing outside it changes), for two reasons:
# - it runs guest programs under seccomp instead of ptrace (UML 6.16+, `seccomp=on`, which the
#   lab turns on): Python starts about five times faster in the guests and a module call takes
#   about half the time, which is most of the test suite's time;
# - Debian 12's 6.1 cannot start a guest program at all on a CPU with AMX (its fixed-size buffer
#   for a process's FPU state is smaller than the host's XSAVE area: "ptrace set fp regs failed,
#   errno = 14", and the guest's init dies).
# Where the download fails and the CPU has no AMX, the lab runs on Debian 12's kernel, slower.
install_lab_kernel() {
  [[ -x "$LAB_UML_DIR/bin/linux.uml" ]] && return 0
  log "installing a newer UML kernel for the lab into $LAB_UML_DIR"
  if "$PYTHON" "$ROOT/scripts/install_uml_kernel.py" --dest "$LAB_UML_DIR"; then
    return 0
  fi
  if grep -qw amx_tile /proc/cpuinfo; then
    log "this CPU has AMX, and Debian 12's UML kernel cannot run the lab's guests on it"
    return 1
  fi
  log "could not install it: the lab runs on Debian 12's UML kernel (under ptrace, slower)"
}

install_apt_packages
install_lab_kernel
install_python_packages
install_collections
log "ready: $VENV"
