#!/bin/sh
# SPDX-License-Identifier: MIT
# Including headers from include/ after the single header is harmless:
#   1. after_single_header.cpp (single header, then six originals) compiles and runs against the
#      include/ tree, when every original carries its guard (scripts/add-include-guards --check);
#      otherwise against a copy of include/ given the guards by scripts/add-include-guards, and
#      the headers lacking one are listed (the mechanism is tested, the tree is not there yet);
#   2. the amalgamation of that guarded tree is byte-identical to the committed single header
#      (guards in the originals do not change it);
#   3. control: the same TU against a copy with no guards at all must fail to compile, so the
#      test really reads the originals after the single header.
#
#   tests/single_header/check_after.sh --cxx COMPILER [--work DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${CXX:-c++}
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cxx) cxx=$2; shift ;;
    --work) work=$2; shift ;;
    *) echo "check_after: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/staticflow-single.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work"
mkdir -p "$work"
tu="$root/tests/single_header/after_single_header.cpp"
single="$root/single_include"
defines=""
[ -f /usr/include/zlib.h ] && defines="-DSF_HAVE_ZLIB=1"

if sh "$root/scripts/add-include-guards" --check 2>"$work/missing.txt"; then
  inc="$root/include"
  echo "check_after: every header in include/ has its guard: testing include/ itself"
else
  echo "check_after: NOTE: these headers lack the guard, so including them after the single header"
  echo "check_after: still redefines them; testing on a guarded copy of include/ instead:"
  sed 's/^/    /' "$work/missing.txt"
  mkdir -p "$work/guarded"
  cp -R "$root/include/staticflow" "$work/guarded/"
  sh "$root/scripts/add-include-guards" -I "$work/guarded" >/dev/null
  inc="$work/guarded"
fi

sh "$root/scripts/amalgamate" -I "$inc" -o "$work/amalgamated.hpp" >/dev/null
cmp -s "$work/amalgamated.hpp" "$single/staticflow/staticflow.hpp" ||
  { echo "check_after: the amalgamation of the guarded headers differs from the committed single header" >&2; exit 1; }
echo "check_after: guarded headers amalgamate to the committed single header"

# shellcheck disable=SC2086
"$cxx" -std=c++20 -O1 -fopenmp -fno-math-errno $defines -I "$single" -I "$inc" "$tu" -o "$work/after" ||
  { echo "check_after: the single header followed by original headers does not compile" >&2; exit 1; }
"$work/after" || { echo "check_after: the program exited with status $?" >&2; exit 1; }
echo "check_after: single header + original headers compile and run"

# Control: originals without any guard (pragma once only) must clash with the single header.
mkdir -p "$work/unguarded"
cp -R "$root/include/staticflow" "$work/unguarded/"
for f in $(find "$work/unguarded" -type f \( -name '*.hpp' -o -name '*.cuh' \)); do
  grep -v -e '^#ifndef STATICFLOW_' -e '^#define STATICFLOW_[A-Z0-9_]*_HPP$' -e '^#endif  // STATICFLOW_' "$f" > "$f.tmp" || true
  mv "$f.tmp" "$f"
done
# shellcheck disable=SC2086
if "$cxx" -std=c++20 -fopenmp $defines -fsyntax-only -I "$single" -I "$work/unguarded" "$tu" >"$work/control.log" 2>&1; then
  echo "check_after: control failed: the TU compiled against unguarded originals, so it does not test them" >&2
  exit 1
fi
echo "check_after: control: against unguarded originals it fails, as it must ($(grep -c 'error' "$work/control.log") error lines)"
