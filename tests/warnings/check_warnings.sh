#!/bin/sh
# SPDX-License-Identifier: MIT
# Warning-clean for users: compiles each given file against include/ with
# -std=c++20 -fopenmp -fno-math-errno -Wall -Wextra -Wpedantic -Werror and fails on the first
# warning, naming the file and the compiler.
#
#   tests/warnings/check_warnings.sh --cxx COMPILER --mode full|syntax [--work DIR] [--include DIR]... FILE...
#
# --mode full compiles to an object at -O2 (g++: -Wmaybe-uninitialized, -Warray-bounds,
# -Wstringop-overflow and the other middle-end warnings exist only when the optimiser runs);
# --mode syntax stops after the front end (-fsyntax-only: templates are still instantiated, so
# clang's warnings, which all come from its front end, are all there). SF_HAVE_ZLIB=1 is
# defined when zlib.h exists, as the CMake target does. Exits 77 (skipped) when the compiler
# is missing, or is clang older than 18 (no floating-point template parameters).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=""
mode=full
work=""
includes=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cxx) cxx=$2; shift ;;
    --mode) mode=$2; shift ;;
    --work) work=$2; shift ;;
    --include) includes="$includes -I $2"; shift ;;  # generated headers (examples/generated)
    --) shift; break ;;
    -*) echo "check_warnings: unknown argument '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || { echo "check_warnings: no files to compile" >&2; exit 2; }
if [ -z "$cxx" ] || ! command -v "$cxx" >/dev/null 2>&1; then
  echo "check_warnings: compiler '${cxx}' not found: skipped" >&2
  exit 77
fi
version=$("$cxx" --version 2>/dev/null | head -n 1)
case "$version" in
  *clang*)
    major=$(printf '%s\n' "$version" | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p')
    if [ -n "$major" ] && [ "$major" -lt 18 ]; then
      echo "check_warnings: $cxx is clang $major; staticflow needs clang >= 18 (double template parameters): skipped" >&2
      exit 77
    fi ;;
esac
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/staticflow-warnings.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

defines=""
[ -f /usr/include/zlib.h ] && defines="-DSF_HAVE_ZLIB=1"
case "$mode" in
  full) extra="-O2 -c" ;;
  syntax) extra="-fsyntax-only" ;;
  *) echo "check_warnings: --mode must be full or syntax" >&2; exit 2 ;;
esac

status=0
for file in "$@"; do
  log="$work/$(basename "$file").log"
  out=""
  [ "$mode" = full ] && out="-o $work/$(basename "$file").o"
  # shellcheck disable=SC2086
  if "$cxx" -std=c++20 -fopenmp -fno-math-errno $defines -I "$root/include" $includes \
       -Wall -Wextra -Wpedantic -Werror $extra "$file" $out >"$log" 2>&1; then
    echo "check_warnings: $cxx ($mode): $file: clean"
  else
    echo "check_warnings: $cxx ($mode): $file: warnings or errors:" >&2
    cat "$log" >&2
    status=1
  fi
done
exit "$status"
