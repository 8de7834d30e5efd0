#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every C file of the project is formatted as .clang-format says.
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format is missing (./dev test installs it)" >&2; exit 1; }
mapfile -t files < <(find app ui p2p server tests bench -type f \( -name '*.c' -o -name '*.h' \) \
  -not -path '*/corpus/*' 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || { echo "no C files found" >&2; exit 1; }
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
    echo "not formatted: $f (run: clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
echo "${#files[@]} files checked, $bad not formatted"
[ "$bad" -eq 0 ]
