#!/bin/sh
# SPDX-License-Identifier: MIT
# The README is tested: every C++ block in it is compiled and run, or checked to be part of one
# that is.
#
#   tests/readme/check_readme.sh [--readme FILE] [--cxx COMPILER] [--work DIR]
#
# Conventions in README.md (HTML comments, invisible on GitHub), each on the last non-blank
# line before a fenced block:
#
#   <!-- program: NAME -->      the ```cpp block below is a complete program, NAME unique. It is
#                               compiled with the README's compile command and run from the
#                               repository root with one argument, the MNIST directory
#                               ($SF_MNIST_DIR, default data/mnist); it must exit 0.
#   <!-- fragment of: NAME -->  the ```cpp block below is part of program NAME: each of its
#                               non-blank lines (leading and trailing blanks ignored) must occur
#                               in NAME, in the same order.
#   <!-- compile command -->    the ```sh block below holds the one compile command, of the form
#                               `c++ FLAGS... -I path/to/staticflow/include app.cpp -o app`;
#                               `c++` becomes --cxx, `path/to/staticflow/include` the include/
#                               folder, app.cpp and app the extracted program. Every other word is
#                               used exactly as written, so the flags tested are the flags shown.
#
#   <!-- package: WAY... [FILE] -->  a block that tests/package/consume.sh runs (or writes to FILE)
#                               for each WAY of consuming staticflow; ignored here.
#
# A ```cpp (or c++, cxx) block with neither program nor fragment marker fails the test, as does
# a fragment of an unknown program, a missing compile command, a failed compile or run.
# POSIX sh + awk, as scripts/amalgamate.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
readme="$root/README.md"
cxx=${CXX:-c++}
work=""
while [ $# -gt 0 ]; do
  case "$1" in
    --readme) readme=$2; shift ;;
    --cxx) cxx=$2; shift ;;
    --work) work=$2; shift ;;
    -h|--help) sed -n '3,32s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "check_readme: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/staticflow-readme.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work"
mkdir -p "$work"

fail() { echo "check_readme: $*" >&2; exit 1; }

# Extract the blocks: program-NAME.cpp, fragment-K.txt (+ fragment-K.of with the program's
# name and the README line), compile-command.txt. awk exits 1 on a convention error.
awk -v out="$work" -v readme="$readme" '
function err(msg) { print "check_readme: " readme ":" NR ": " msg > "/dev/stderr"; bad = 1 }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
BEGIN { inblock = 0; marker = ""; nfrag = 0 }
inblock {
  if ($0 ~ /^[ \t]*```[ \t]*$/) { inblock = 0; if (file != "") close(file); next }
  line = $0
  if (indent > 0 && substr(line, 1, indent) ~ /^[ \t]*$/) line = substr(line, indent + 1)
  if (file != "") print line > file
  next
}
/^[ \t]*```/ {
  lang = $0; sub(/^[ \t]*```/, "", lang); lang = trim(lang)
  match($0, /^[ \t]*/); indent = RLENGTH
  inblock = 1; file = ""
  m = marker; marker = ""
  if (m ~ /^<!-- program: [A-Za-z0-9_.-]+ -->$/) {
    name = m; sub(/^<!-- program: /, "", name); sub(/ -->$/, "", name)
    if (lang !~ /^(cpp|c\+\+|cxx)$/) { err("program " name " is not a cpp block"); next }
    if (name in programs) { err("program " name " is defined twice"); next }
    programs[name] = NR; file = out "/program-" name ".cpp"; printf "" > file
  } else if (m ~ /^<!-- fragment of: [A-Za-z0-9_.-]+ -->$/) {
    name = m; sub(/^<!-- fragment of: /, "", name); sub(/ -->$/, "", name)
    nfrag++; file = out "/fragment-" nfrag ".txt"; printf "" > file
    print name " " NR > (out "/fragment-" nfrag ".of"); close(out "/fragment-" nfrag ".of")
  } else if (m == "<!-- compile command -->") {
    if (lang != "sh") { err("the compile command is not a sh block"); next }
    if (have_command) { err("a second compile command"); next }
    have_command = 1; file = out "/compile-command.txt"; printf "" > file
  } else if (m ~ /^<!-- package: [^>]+ -->$/) {
    # a block of "Using it in your project": tests/package/consume.sh runs it
  } else if (lang ~ /^(cpp|c\+\+|cxx)$/) {
    err("a cpp block without <!-- program: NAME --> or <!-- fragment of: NAME --> before it")
  } else if (m ~ /^<!--/) {
    err("unknown marker " m)
  }
  next
}
/^[ \t]*$/ { next }
{ marker = trim($0) }
END {
  if (inblock) err("a fenced block is not closed")
  if (!have_command) err("no <!-- compile command --> block")
  exit bad
}' "$readme" || fail "README conventions broken (see above)"

# The compile command: one line starting with c++.
command_line=$(grep -v '^[[:space:]]*$' "$work/compile-command.txt" || true)
[ "$(printf '%s\n' "$command_line" | wc -l)" -eq 1 ] || fail "the compile command block must hold one line"
case "$command_line" in "c++ "*) ;; *) fail "the compile command must start with 'c++ ': $command_line" ;; esac
for word in "path/to/staticflow/include" "app.cpp" "app"; do
  printf ' %s \n' "$command_line" | grep -q " $word " || fail "the compile command lacks '$word': $command_line"
done

# Fragments: their lines, in order, in the program named.
for of in "$work"/fragment-*.of; do
  [ -e "$of" ] || break
  read -r name line < "$of"
  frag=${of%.of}.txt
  program="$work/program-$name.cpp"
  [ -f "$program" ] || fail "README line $line: fragment of '$name', which is not a program in the README"
  awk -v program="$program" -v name="$name" -v at="$line" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    BEGIN { n = 0; while ((getline l < program) > 0) prog[++n] = trim(l); pos = 1 }
    { want = trim($0); if (want == "") next
      while (pos <= n && prog[pos] != want) pos++
      if (pos > n) { print "check_readme: README line " at ": this fragment line is not in program " name \
                           " (in order): " want > "/dev/stderr"; exit 1 }
      pos++ }' "$frag" || exit 1
  echo "check_readme: fragment at README line $line is part of program $name"
done

# Programs: compile with the README's command, run from the repository root.
mnist=${SF_MNIST_DIR:-data/mnist}
count=0
for src in "$work"/program-*.cpp; do
  [ -e "$src" ] || fail "the README has no complete program"
  name=${src##*/program-}; name=${name%.cpp}
  bin="$work/$name"
  set --
  for word in $command_line; do
    case "$word" in
      c++) [ $# -eq 0 ] && word=$cxx ;;
      path/to/staticflow/include) word="$root/include" ;;
      app.cpp) word=$src ;;
      app) word=$bin ;;
    esac
    set -- "$@" "$word"
  done
  echo "check_readme: program $name: $*"
  "$@" || fail "program $name (README) does not compile"
  echo "check_readme: running $name $mnist"
  (cd "$root" && "$bin" "$mnist") || fail "program $name (README) exited with status $?"
  count=$((count + 1))
done
echo "check_readme: $count programs compiled and ran; fragments checked"
