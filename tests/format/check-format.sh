#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every C file of the project is formatted as .clang-format says.
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format is missing (./dev test installs it)" >&2; exit 1; }
mapfile -t files < <(find app ui p2p server tests bench -type f \( -name '*.c' -o -name '*.h' \) \
  -not -path '*/corpus/*' 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || { echo "no C files found" >&2; exit 1; }
# Many files per clang-format process, as many processes as cores.
out=$(printf '%s\0' "${files[@]}" |
  xargs -0 -n 16 -P "$(nproc)" clang-format --dry-run --Werror 2>&1 || true)
mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
for f in "${bad[@]}"; do
  echo "not formatted: $f (run: clang-format -i $f)"
done
if [ ${#bad[@]} -eq 0 ] && printf '%s\n' "$out" | grep -q .; then
  printf '%s\n' "$out" >&2
  echo "clang-format failed" >&2
  exit 1
fi
echo "${#files[@]} files checked, ${#bad[@]} not formatted"
[ ${#bad[@]} -eq 0 ]
