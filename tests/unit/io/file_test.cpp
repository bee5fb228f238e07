// SPDX-License-Identifier: MIT
/// \file
/// \brief io::atomic_file (a file replaced whole or not at all, no temporary left behind) and
/// io::read_file (reads by position, short reads reported, errors that name the file).
#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <staticflow/io/atomic_file.hpp>
#include <staticflow/io/file.hpp>

namespace io = staticflow::io;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {
std::string contents(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}
void write(const fs::path& p, const std::string& bytes, bool sync) {
  io::atomic_file f(p, sync);
  f.append(bytes);
  f.commit();
}
}  // namespace

TEST_CASE("atomic_file creates, replaces, and leaves nothing else behind", "[io][file]") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "state";
  for (const bool sync : {false, true}) {
    write(p, "first", sync);
    CHECK(contents(p) == "first");
    write(p, "second, longer", sync);  // over an existing file: swapped in, the old one unlinked
    CHECK(contents(p) == "second, longer");
    write(p, "3", sync);
    CHECK(contents(p) == "3");
    CHECK(files_in(dir.path) == 1);
  }
  {
    io::atomic_file f(p);
    f.append("never committed");
    CHECK(files_in(dir.path) == 2);  // the temporary, beside its place
  }
  CHECK(contents(p) == "3");
  CHECK(files_in(dir.path) == 1);
  CHECK_THROWS_WITH(io::atomic_file(dir / "no_such_dir" / "f"), Contains("no_such_dir"));
}

TEST_CASE("read_file reads by position and reports short reads and bad paths", "[io][file]") {
  sf_test::temp_dir dir;
  const fs::path p = dir / "bytes";
  write(p, "0123456789", false);
  const io::read_file f(p.string(), "test");
  CHECK(f.size() == 10);
  CHECK(f.read_all("test") == "0123456789");
  char buf[4] = {};
  REQUIRE(f.read_at(buf, 4, 3));
  CHECK(std::string(buf, 4) == "3456");
  CHECK_FALSE(f.read_at(buf, 4, 8));   // two bytes are there, not four
  CHECK_FALSE(f.read_at(buf, 1, 10));  // past the end
  CHECK(f.read_at(buf, 0, 99));        // nothing asked, nothing missing
  CHECK_THROWS_AS(io::read_file((dir / "missing").string(), "test"), staticflow::not_found);
  CHECK_THROWS_WITH(io::read_file((dir / "missing").string(), "test"), Contains("test: cannot open") && Contains("missing"));
  CHECK_THROWS_WITH(io::read_file(dir.path.string(), "test"), Contains("not a regular file"));
}
