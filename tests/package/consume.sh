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
#   vcpkg             the README's vcpkg blocks with the real vcpkg (skipped, 77, without it
#                     on PATH): classic mode, then manifest mode; the port's sources from this
#                     checkout (STATICFLOW_SOURCE_DIR), vcpkg's roots under DIR (--x-install-root
#                     and friends, VCPKG_INSTALLED_DIR), so that the vcpkg root is not written
#   conan             `conan create . -nr` with test_package/, the real conan (skipped, 77, without
#                     it), in a throw-away CONAN_HOME with no remote
# and the checks that need neither tool nor a README block:
#   vcpkg_layout      cmake --install with the options ports/staticflow/portfile.cmake passes
#                     (read from it), default features and [image], into a prefix laid out as
#                     vcpkg's installed/<triplet>/; checked against vcpkg's rules and against
#                     the --prefix install; the README's find_package project built from it
#   conan_layout      the same for conanfile.py's package() (its cache_variables, read from it)
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

cmake=$(command -v "$cmake") || { echo "consume: no cmake '$cmake'" >&2; exit 2; }
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
cp "$here/trainer.hpp" "$work/trainer.hpp"  # the network both share

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

# portfile_options FEATURE...: the -D options ports/staticflow/portfile.cmake gives
# vcpkg_cmake_configure, with vcpkg_check_features' options ON for the FEATUREs, OFF otherwise.
portfile_options() {
  awk -v features=" $* " '
    /vcpkg_check_features\(/ { in_features = 1; next }
    in_features && /\)/ { in_features = 0; next }
    in_features && NF == 2 && $1 != "FEATURES" { print "-D" $2 "=" (index(features, " " $1 " ") ? "ON" : "OFF"); next }
    /vcpkg_cmake_configure\(/ { in_configure = 1; next }
    in_configure && /^[ \t]*\)/ { in_configure = 0; next }
    in_configure && $1 ~ /^-D/ { print $1 }
  ' "$root/ports/staticflow/portfile.cmake"
}

# conanfile_options OPTION=VALUE...: the cache variables conanfile.py's generate() sets, with
# the recipe's options given here (bool options: True or False).
conanfile_options() {
  awk -v given=" $* " '
    match($0, /tc\.cache_variables\["[A-Za-z0-9_]+"\] = /) {
      name = $0; sub(/^.*tc\.cache_variables\["/, "", name); sub(/".*$/, "", name)
      value = substr($0, RSTART + RLENGTH); sub(/[ \t]*(#.*)?$/, "", value)
      if (value ~ /self\.options\./) {
        option = value; sub(/^.*self\.options\./, "", option); sub(/[^A-Za-z0-9_].*$/, "", option)
        value = index(given, " " option "=True ") ? "ON" : "OFF"
      } else if (value == "True") value = "ON"
      else if (value == "False") value = "OFF"
      else { gsub(/"/, "", value) }
      print "-D" name "=" value
    }' "$root/conanfile.py"
}

# stage NAME OPTIONS...: configure this checkout with OPTIONS and cmake --install it into
# $work/NAME (what vcpkg_cmake_install / conan's cmake.install() do, as they would call CMake).
stage() {
  name=$1; shift
  tag=$(echo "$name" | tr / _)
  echo "consume ($way): staging $name: cmake -S $root $*"
  "$cmake" -S "$root" -B "$work/$tag-build" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=$work/$name" "$@" \
    > "$work/$tag-configure.log" 2>&1 || { cat "$work/$tag-configure.log"; fail "$name: configure failed"; }
  "$cmake" --install "$work/$tag-build" > "$work/$tag-install.log" 2>&1 ||
    { cat "$work/$tag-install.log"; fail "$name: install failed"; }
}

# same_headers DIR: DIR/include/staticflow holds the headers cmake --install put in --prefix.
same_headers() {
  diff -r "$prefix/include/staticflow" "$1/include/staticflow" > "$work/headers.diff" ||
    { cat "$work/headers.diff"; fail "$1: the headers differ from cmake --install's"; }
  [ "$(find "$1" -name staticflow.hpp | wc -l)" -eq 1 ] || fail "$1: the headers are installed more than once"
}

# consumer_from PREFIX: the README's find_package project, configured with CMAKE_PREFIX_PATH
# at PREFIX (what vcpkg's toolchain file and Conan's CMakeToolchain do), built and run.
consumer_from() {
  mkdir -p "$work/consumer"
  cp "$work/app.cpp" "$work/trainer.hpp" "$work/consumer/"
  saved_work=$work; work="$work/consumer"; extract find_package; work=$saved_work
  printf 'cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=%s"\ncmake --build build\nbuild/app\n' "$1" \
    > "$work/consumer/steps.sh"
  echo "consume ($way): the README's find_package project against $1"
  status=0
  (cd "$work/consumer" && sh -e steps.sh) > "$work/log" 2>&1 || status=$?
  cat "$work/log"
  [ "$status" -eq 0 ] || fail "the consumer of $1 failed ($status)"
  check_trainer_output
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
  vcpkg_layout)
    port="$root/ports/staticflow"
    grep -q "\"version\": \"$version\"" "$port/vcpkg.json" || fail "ports/staticflow/vcpkg.json does not say version $version"
    # vcpkg_cmake_configure's own options, then the portfile's.
    vcpkg_defaults="-DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_BINDIR=bin -DFETCHCONTENT_FULLY_DISCONNECTED=ON
      -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON"
    for features in "" image; do
      installed="$work/installed-${features:-core}/x64-linux"
      # shellcheck disable=SC2046,SC2086
      stage "installed-${features:-core}/x64-linux" $vcpkg_defaults $(portfile_options $features)
      # What the portfile does after vcpkg_cmake_install: the copyright and usage files.
      cp "$root/LICENSE" "$installed/share/staticflow/copyright"
      cp "$port/usage" "$installed/share/staticflow/usage"
      for f in staticflowConfig.cmake staticflowConfigVersion.cmake staticflowTargets.cmake copyright usage; do
        [ -f "$installed/share/staticflow/$f" ] || fail "[$features]: no share/staticflow/$f"
      done
      [ -f "$installed/share/pkgconfig/staticflow.pc" ] || fail "[$features]: no share/pkgconfig/staticflow.pc"
      for d in share/cmake debug lib bin; do
        [ ! -e "$installed/$d" ] || fail "[$features]: $d/ in a header-only port (vcpkg's post-build checks reject it)"
      done
      same_headers "$installed"
    done
    [ -f "$work/installed-image/x64-linux/share/staticflow/staticflow-image-targets.cmake" ] ||
      fail "[image]: no staticflow::image"
    [ ! -f "$work/installed-core/x64-linux/share/staticflow/staticflow-image-targets.cmake" ] ||
      fail "default features: staticflow::image installed although the image feature is off"
    echo "consume (vcpkg_layout): layouts as vcpkg wants them; headers as cmake --install's"
    consumer_from "$work/installed-core/x64-linux"
    # find_package(staticflow COMPONENTS image) against each: missing without the feature.
    project="$here/components"
    "$cmake" -S "$project" -B "$work/image-core" "-DCMAKE_PREFIX_PATH=$work/installed-core/x64-linux" \
      -DSF_COMPONENTS=image > "$work/image-core.log" 2>&1 && fail "COMPONENTS image found without the image feature"
    grep -q "was built without the 'image' component" "$work/image-core.log" ||
      { cat "$work/image-core.log"; fail "COMPONENTS image without the feature: not the expected message"; }
    "$cmake" -S "$project" -B "$work/image-feature" "-DCMAKE_PREFIX_PATH=$work/installed-image/x64-linux" \
      -DSF_COMPONENTS=image > "$work/image-feature.log" 2>&1 ||
      { cat "$work/image-feature.log"; fail "COMPONENTS image failed with the image feature"; }
    echo "consume (vcpkg_layout): COMPONENTS image: found with [image], a clear error without" ;;
  conan_layout)
    grep -q "version = \"$version\"" "$root/conanfile.py" || fail "conanfile.py does not say version $version"
    package="$work/package"
    # shellcheck disable=SC2046
    stage package $(conanfile_options)
    # What package() does besides cmake.install(): the license.
    mkdir -p "$package/licenses"
    cp "$root/LICENSE" "$package/licenses/LICENSE"
    for f in share/cmake/staticflow/staticflowConfig.cmake share/cmake/staticflow/staticflowTargets.cmake \
             share/pkgconfig/staticflow.pc licenses/LICENSE; do
      [ -f "$package/$f" ] || fail "package(): no $f"
    done
    for d in lib bin; do [ ! -e "$package/$d" ] || fail "package(): $d/ in a header-only package"; done
    same_headers "$package"
    echo "consume (conan_layout): package() tree as cmake --install's"
    consumer_from "$package" ;;
  vcpkg)
    command -v vcpkg >/dev/null 2>&1 || { echo "consume (vcpkg): skipped: no vcpkg on PATH"; exit 77; }
    vcpkg_exe=$(command -v vcpkg)
    real_cmake=$cmake
    : "${VCPKG_ROOT:=$(dirname "$vcpkg_exe")}"
    : "${VCPKG_DOWNLOADS:=$work/downloads}"  # keep a reviewer's cache when one is set
    mkdir -p "$VCPKG_DOWNLOADS"
    # The port's source: this checkout. No binary cache: nothing written outside $work.
    STATICFLOW_SOURCE_DIR=$root VCPKG_KEEP_ENV_VARS=STATICFLOW_SOURCE_DIR VCPKG_BINARY_SOURCES=clear
    export VCPKG_ROOT VCPKG_DOWNLOADS STATICFLOW_SOURCE_DIR VCPKG_KEEP_ENV_VARS VCPKG_BINARY_SOURCES
    # Wrappers, so that the README's commands run unchanged with vcpkg's state under $work:
    # `vcpkg install` gets the --x-*-root options, a CMake configure VCPKG_INSTALLED_DIR (classic
    # mode) and VCPKG_INSTALL_OPTIONS (manifest mode: the toolchain runs vcpkg install).
    roots="--x-buildtrees-root=$work/buildtrees --x-packages-root=$work/packages"
    printf '#!/bin/sh\nif [ "$1" = install ]; then shift; exec "%s" install --x-install-root="%s/installed" %s "$@"; fi\nexec "%s" "$@"\n' \
      "$vcpkg_exe" "$work" "$roots" "$vcpkg_exe" > "$work/bin/vcpkg.new"
    printf '#!/bin/sh\ncase " $* " in *" -S "*) exec "%s" "$@" "-DVCPKG_INSTALLED_DIR=%s/installed" "-DVCPKG_INSTALL_OPTIONS=%s" ;; esac\nexec "%s" "$@"\n' \
      "$real_cmake" "$work" "$(echo "$roots" | tr ' ' ';')" "$real_cmake" > "$work/bin/cmake.new"
    rm -f "$work/bin/vcpkg" "$work/bin/cmake"
    mv "$work/bin/vcpkg.new" "$work/bin/vcpkg"
    mv "$work/bin/cmake.new" "$work/bin/cmake"
    chmod +x "$work/bin/vcpkg" "$work/bin/cmake"
    top=$work
    for mode in vcpkg vcpkg_manifest; do
      work="$top/$mode"
      mkdir -p "$work"
      cp "$top/app.cpp" "$top/trainer.hpp" "$work/"
      way=$mode
      rm -rf "$top/installed"
      extract "$mode"
      run_steps || fail "the README's $mode commands failed ($?)"
      check_trainer_output
    done
    way=vcpkg ;;
  conan)
    command -v conan >/dev/null 2>&1 || { echo "consume (conan): skipped: no conan on PATH"; exit 77; }
    CONAN_HOME="$work/conan_home"
    export CONAN_HOME
    conan profile detect > "$work/profile.log" 2>&1 || { cat "$work/profile.log"; fail "conan profile detect failed"; }
    conan remote disable "*" > /dev/null 2>&1 || true
    extract conan
    run_steps || fail "the README's conan commands failed ($?)"
    grep -q "^staticflow ${version}: loss" "$work/log" || fail "test_package did not train" ;;
  *)
    fail "unknown way" ;;
esac
echo "consume ($way): ok"
