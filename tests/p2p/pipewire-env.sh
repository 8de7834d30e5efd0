#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs one test program beside a private PipeWire daemon and WirePlumber
# (DESIGN.md, "Real components in tests"), inside its own D-Bus session and
# XDG_RUNTIME_DIR. Use it under tests/cascade-test-env:
#   cascade-test-env -- pipewire-env.sh -- PROGRAM [ARGS...]
# A daemon that cannot be started fails the test: nothing is skipped.
set -euo pipefail

[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "pipewire-env: no program given" >&2; exit 2; }
for tool in pipewire wireplumber dbus-run-session pw-dump; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "pipewire-env: '$tool' is missing (run ./dev test, which installs it)" >&2
    exit 1
  }
done

if [ -z "${CASCADE_PIPEWIRE_ENV_BUS:-}" ]; then
  export CASCADE_PIPEWIRE_ENV_BUS=1
  exec dbus-run-session -- "$0" -- "$@"
fi

runtime=$(mktemp -d "${TMPDIR:-/tmp}/cascade-pipewire.XXXXXX")
chmod 700 "$runtime"
export XDG_RUNTIME_DIR="$runtime"
# GTest's isolated dirs move XDG_RUNTIME_DIR; PipeWire clients look here first.
export PIPEWIRE_RUNTIME_DIR="$runtime"
unset PIPEWIRE_REMOTE
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$runtime"
}
trap cleanup EXIT

# The daemons are not ours: they must not inherit G_DEBUG=fatal-warnings.
env -u G_DEBUG pipewire >"$runtime/pipewire.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  [ -S "$runtime/pipewire-0" ] && break
  sleep 0.05
done
[ -S "$runtime/pipewire-0" ] || { echo "pipewire-env: pipewire did not start" >&2; cat "$runtime/pipewire.log" >&2; exit 1; }
env -u G_DEBUG wireplumber >"$runtime/wireplumber.log" 2>&1 &
pids+=($!)

set +e
"$@"
status=$?
set -e
exit $status
