#!/bin/sh
# SPDX-License-Identifier: MIT
# One way of consuming staticflow, run as README.md shows it: builds and runs the trainer
# (tests/package/trainer.cpp, or trainer.cu for CUDA) the way a user would.
#
#   tests/package/consume.sh --way WAY --work DIR --prefix DIR --cxx COMPILER --cmake CMAKE
#                            [--generator GEN] [--nvcc NVCC] [--version X.Y.Z]
#
# Ways whose commands are README blocks (marked <!-- package: WAY... [FILE] --> in README.md,
# copied out verbatim but for two placeholders: path/to/staticflow becomes this checkout and
# path/to/prefix the --prefix folder; a block with FILE is written to that file, the others are
# run in order by sh -e from DIR, where app.cpp is the trainer):
#   include_dir       the README's <!-- compile command --> (tests/readme's), then ./app
#   single_header     single_include/ on the command line
#   add_subdirectory  a CMake project with add_subdirectory(path/to/staticflow)
#   fetchcontent      FetchContent_Declare(staticflow SOURCE_DIR path/to/staticflow)
#   install           cmake --install into --prefix (the CTest fixture of the four below)
#   find_package      find_package(staticflow) from --prefix
#   pkg_config        staticflow.pc from --prefix
#   eigen             the README's Eigen program (its app.cpp block), Eigen through pkg-config
#   cuda              find_package(staticflow COMPONENTS cuda) and app.cu (needs --nvcc; a
#                     program that finds no GPU exits 77, read here as "compiled, not run")
# and the checks of the installed package that are not README blocks:
#   components        find_package(staticflow COMPONENTS ...) from --prefix: image builds and
#                     runs a PNG/JPEG round trip; a missing dependency, an unknown component and
#                     a version of another major fail, each with its message
#
# The trainer must print "staticflow X.Y.Z: loss" with --version's X.Y.Z: the headers a way
# compiles against are the ones the package says it has. Exit 0 on success, 77 when the way
# cannot run here (no nvcc for cuda), 1 on failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
way=""; work=""; prefix=""; cxx=${CXX:-c++}; cmake=cmake; generator=""; nvcc=""; version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --way) way=$2; shift ;;
    --work) work=$2; shift ;;
    --prefix) prefix=$2; shift ;;
    --cxx) cxx=$2; shift ;;
    --cmake) cmake=$2; shift ;;
    --generator) generator=$2; shift ;;
    --nvcc) nvcc=$2; shift ;;
    --version) version=$2; shift ;;
    -h|--help) sed -n '3,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "consume: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$way" ] && [ -n "$work" ] || { echo "consume: --way and --work are required" >&2; exit 2; }
[ -n "$prefix" ] || prefix="$work/prefix"
fail() { echo "consume ($way): $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/bin"
# The README's `c++` and `cmake` are the ones this build uses.
ln -s "$(command -v "$cxx")" "$work/bin/c++"
ln -s "$(command -v "$cmake")" "$work/bin/cmake"
PATH="$work/bin:$PATH"
CXX=$(command -v "$cxx")
export PATH CXX
if [ -n "$generator" ]; then CMAKE_GENERATOR=$generator; export CMAKE_GENERATOR; fi
# nvcc for the install (so that it has the cuda component) and the CUDA consumer.
case "$way" in install|cuda) if [ -n "$nvcc" ]; then CUDACXX=$nvcc; export CUDACXX; fi ;; esac
cp "$here/trainer.cpp" "$work/app.cpp"
cp "$here/trainer.cu" "$work/app.cu"

# extract WAY: the README's blocks for WAY, files written to $work, commands to $work/steps.sh.
extract() {
  : > "$work/steps.sh"
  awk -v way="$1" -v out="$work" -v src="$root" -v prefix="$prefix" '
  function subst(s, from, to,   i, r) {
    r = ""
    while ((i = index(s, from)) > 0) { r = r substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
    return r s
  }
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
  BEGIN { inblock = 0; marker = ""; found = 0 }
  inblock {
    if ($0 ~ /^[ \t]*```[ \t]*$/) { inblock = 0; if (file != "") close(file); next }
    if (file != "") print subst(subst($0, "path/to/staticflow", src), "path/to/prefix", prefix) > file
    next
  }
  /^[ \t]*```/ {
    inblock = 1; file = ""; m = marker; marker = ""
    if (m == "<!-- compile command -->" && way == "include_dir") {
      file = out "/steps.sh"; found++
    } else if (m ~ /^<!-- package: [^>]+ -->$/) {
      sub(/^<!-- package: /, "", m); sub(/ -->$/, "", m)
      n = split(m, words, " ")
      target = ""
      if (words[n] ~ /\./) { target = words[n]; n-- }
      for (k = 1; k <= n; k++) if (words[k] == way) {
        file = out "/" (target != "" ? target : "steps.sh"); found++
        if (target != "") printf "" > file
      }
    }
    next
  }
  /^[ \t]*$/ { next }
  { marker = trim($0) }
  END { if (!found) { print "consume: README.md has no block for way " way > "/dev/stderr"; exit 1 } }
  ' "$root/README.md"
}

# run_steps: the extracted commands, from $work; their output in $work/log. Returns their status.
run_steps() {
  echo "consume ($way): running the README's commands:"
  sed 's/^/    /' "$work/steps.sh"
  status=0
  (cd "$work" && sh -e "$work/steps.sh") > "$work/log" 2>&1 || status=$?
  cat "$work/log"
  return $status
}

# The trainer's line, with the version the package announced.
check_trainer_output() {
  grep -q "^staticflow ${version:-[0-9.]*}: loss" "$work/log" ||
    fail "the trainer did not print 'staticflow ${version:-X.Y.Z}: loss ...' (see above)"
}

case "$way" in
  include_dir)
    extract include_dir
    echo "./app" >> "$work/steps.sh"
    run_steps || fail "the README's commands failed ($?)"
    check_trainer_output ;;
  single_header|add_subdirectory|fetchcontent|find_package|pkg_config)
    if [ "$way" = pkg_config ] && ! command -v pkg-config >/dev/null 2>&1; then
      echo "consume (pkg_config): skipped: no pkg-config (Debian: pkgconf)"
      exit 77
    fi
    extract "$way"
    run_steps || fail "the README's commands failed ($?)"
    check_trainer_output ;;
  eigen)
    if ! pkg-config --exists eigen3 2>/dev/null; then
      echo "consume (eigen): skipped: no Eigen 3 (pkg-config eigen3; Debian: libeigen3-dev)"
      exit 77
    fi
    extract eigen
    run_steps || fail "the README's Eigen program failed ($?)"
    grep -q "^w = \[" "$work/log" || fail "the Eigen program printed no weights" ;;
  install)
    rm -rf "$prefix"
    extract install
    run_steps || fail "the README's install commands failed ($?)"
    [ -f "$prefix/share/cmake/staticflow/staticflowConfig.cmake" ] || fail "no share/cmake/staticflow/staticflowConfig.cmake in the prefix"
    [ -f "$prefix/share/pkgconfig/staticflow.pc" ] || fail "no share/pkgconfig/staticflow.pc in the prefix"
    [ -f "$prefix/include/staticflow/staticflow.hpp" ] || fail "no include/staticflow/staticflow.hpp in the prefix"
    echo "consume (install): staticflow installed in $prefix" ;;
  cuda)
    if [ -z "$nvcc" ] || ! command -v "$nvcc" >/dev/null 2>&1; then
      echo "consume (cuda): skipped: no nvcc"
      exit 77
    fi
    [ -f "$prefix/share/cmake/staticflow/staticflow-cuda-targets.cmake" ] ||
      fail "the install has no cuda component although nvcc ($nvcc) is here"
    extract cuda
    status=0
    run_steps || status=$?
    if [ "$status" -eq 77 ] && grep -q "^staticflow ${version:-[0-9.]*}: compiled for CUDA; not run" "$work/log"; then
      echo "consume (cuda): compiled and linked against staticflow::cuda; not run (no GPU here)"
      exit 0
    fi
    [ "$status" -eq 0 ] || fail "the README's commands failed ($status)"
    check_trainer_output ;;
  components)
    project="$here/components"
    # configure NAME ARGS...: the components consumer, its output in $work/NAME.log.
    configure() {
      name=$1; shift
      echo "consume (components): $name: cmake -S $project -B $work/$name $*"
      "$cmake" -S "$project" -B "$work/$name" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$prefix" "$@" \
        > "$work/$name.log" 2>&1
    }
    # expect_failure NAME PATTERN ARGS...: the configure fails and its output has PATTERN.
    expect_failure() {
      name=$1; pattern=$2; shift 2
      if configure "$name" "$@"; then cat "$work/$name.log"; fail "$name: find_package succeeded"; fi
      grep -q "$pattern" "$work/$name.log" || { cat "$work/$name.log"; fail "$name: no '$pattern' in the output"; }
      echo "consume (components): $name failed as it must:"
      grep -A3 "Reason given by package" "$work/$name.log" | sed 's/^/    /'
    }
    configure base "-DSF_VERSION=$version" || { cat "$work/base.log"; fail "find_package(staticflow $version) failed"; }
    grep -q "staticflow $version components ok" "$work/base.log" || { cat "$work/base.log"; fail "base: wrong version"; }
    configure optional "-DSF_OPTIONAL_COMPONENTS=image;no_such_component" ||
      { cat "$work/optional.log"; fail "OPTIONAL_COMPONENTS failed"; }
    grep -q "optional component no_such_component: found 'FALSE'" "$work/optional.log" || fail "optional: not reported"
    expect_failure unknown "staticflow has no component 'no_such_component'" "-DSF_COMPONENTS=no_such_component"
    expect_failure other_major "staticflowConfig.cmake, version: $version" "-DSF_VERSION=$(( ${version%%.*} + 1 )).0"
    if [ -f "$prefix/share/cmake/staticflow/staticflow-image-targets.cmake" ]; then
      configure image "-DSF_COMPONENTS=image" || { cat "$work/image.log"; fail "COMPONENTS image failed"; }
      "$cmake" --build "$work/image" > "$work/image-build.log" 2>&1 || { cat "$work/image-build.log"; fail "image: the build failed"; }
      "$work/image/image_roundtrip" || fail "image: the round trip failed"
      expect_failure image_without_jpeg "staticflow component 'image' needs JPEG, which find_package() did not find" \
        "-DSF_COMPONENTS=image" -DCMAKE_DISABLE_FIND_PACKAGE_JPEG=TRUE
    else
      expect_failure image_not_installed "was built without the 'image' component" "-DSF_COMPONENTS=image"
    fi
    echo "consume (components): all checks passed" ;;
  *)
    fail "unknown way" ;;
esac
echo "consume ($way): ok"
