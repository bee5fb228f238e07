// SPDX-License-Identifier: MIT
/// \file
/// \brief LevelDB's own table reader and writer (Debian libleveldb-dev), as a tool for the
/// checkpoint interoperability test: a checkpoint's `.index` is a LevelDB table, so LevelDB must
/// read staticflow's, and LevelDB's TableBuilder must write the same bytes for the same entries.
///
///   leveldb_table dump FILE    every entry of the table, in order, as `HEXKEY HEXVALUE` lines
///                              (every block's CRC checked; exit 1 on any error)
///   leveldb_table write FILE   the `HEXKEY HEXVALUE` lines of stdin (keys increasing; an empty
///                              HEXKEY is the key "", which can only come first) as a table
///
/// The writer uses the options TensorFlow's BundleWriter gives its table::TableBuilder:
/// 256 KiB blocks, a restart point every 16 keys, no compression, the bytewise comparator and
/// no filter. LevelDB's defaults differ (4 KiB blocks, Snappy), so each is set here.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/status.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "leveldb_table: %s\n", what.c_str());
  std::exit(1);
}

void check(const leveldb::Status& s, const std::string& what) {
  if (!s.ok()) die(what + ": " + s.ToString());
}

std::string hex(const leveldb::Slice& s) {
  static constexpr char d[] = "0123456789abcdef";
  std::string o;
  o.reserve(2 * s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    o += d[c >> 4], o += d[c & 15];
  }
  return o;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string unhex(const std::string& h, std::size_t line) {
  if (h.size() % 2) die("line " + std::to_string(line) + ": odd number of hex digits");
  std::string o;
  o.reserve(h.size() / 2);
  for (std::size_t i = 0; i < h.size(); i += 2) {
    const int a = nibble(h[i]), b = nibble(h[i + 1]);
    if (a < 0 || b < 0) die("line " + std::to_string(line) + ": '" + h.substr(i, 2) + "' is not hex");
    o += static_cast<char>(a * 16 + b);
  }
  return o;
}

leveldb::Options table_options() {
  leveldb::Options o;
  o.block_size = 262144;
  o.block_restart_interval = 16;
  o.compression = leveldb::kNoCompression;
  o.filter_policy = nullptr;
  o.paranoid_checks = true;  // Table::Open then checks the index block's CRC too
  return o;
}

int dump(const std::string& path) {
  leveldb::Env* env = leveldb::Env::Default();
  std::uint64_t size = 0;
  check(env->GetFileSize(path, &size), "cannot stat '" + path + "'");
  leveldb::RandomAccessFile* raw_file = nullptr;
  check(env->NewRandomAccessFile(path, &raw_file), "cannot open '" + path + "'");
  const std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  const leveldb::Options options = table_options();
  leveldb::Table* raw_table = nullptr;
  check(leveldb::Table::Open(options, file.get(), size, &raw_table), "'" + path + "' is not a table LevelDB reads");
  const std::unique_ptr<leveldb::Table> table(raw_table);
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  const std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  std::string out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out += hex(it->key()) + ' ' + hex(it->value()) + '\n';
    if (out.size() > (1u << 20)) std::fwrite(out.data(), 1, out.size(), stdout), out.clear();
  }
  check(it->status(), "reading '" + path + "'");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int write(const std::string& path) {
  const leveldb::Options options = table_options();
  leveldb::WritableFile* raw_file = nullptr;
  check(leveldb::Env::Default()->NewWritableFile(path, &raw_file), "cannot create '" + path + "'");
  const std::unique_ptr<leveldb::WritableFile> file(raw_file);
  leveldb::TableBuilder builder(options, file.get());
  std::string line, last;
  std::size_t n = 0;
  for (std::size_t lineno = 1; std::getline(std::cin, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto space = line.find(' ');
    if (space == std::string::npos) die("line " + std::to_string(lineno) + ": expected 'HEXKEY HEXVALUE'");
    const std::string key = unhex(line.substr(0, space), lineno), value = unhex(line.substr(space + 1), lineno);
    // TableBuilder only asserts the order (in debug builds); a release build would write a
    // table no reader can search, so it is checked here.
    if (n > 0 && leveldb::Slice(key).compare(leveldb::Slice(last)) <= 0)
      die("line " + std::to_string(lineno) + ": key " + hex(key) + " is not above the previous key " + hex(last));
    builder.Add(key, value);
    check(builder.status(), "adding line " + std::to_string(lineno));
    last = key, ++n;
  }
  check(builder.Finish(), "finishing '" + path + "'");
  check(file->Sync(), "syncing '" + path + "'");
  check(file->Close(), "closing '" + path + "'");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "dump" && std::string(argv[1]) != "write")) {
    std::fprintf(stderr, "usage: %s dump|write FILE\n", argv[0]);
    return 2;
  }
  return std::string(argv[1]) == "dump" ? dump(argv[2]) : write(argv[2]);
}
