// SPDX-License-Identifier: MIT
/// \file
/// \brief A small command-line tool for TFRecord files of tf.train.Example.
///
/// Usage: tfrecord_tool count  [--compression none|gzip|zlib] FILE...
///        tfrecord_tool verify [--compression ...] [--skip-corrupt] FILE...
///        tfrecord_tool dump   [--compression ...] [--limit N] FILE...
///
/// `count` prints the records of each file; `verify` reads every record checking both CRCs and
/// says where the first bad one is (exit status 1), or, with --skip-corrupt, how many are bad;
/// `dump` prints JSON lines: first `{"schema": ...}`, the features the records have (dtype and
/// TF's FixedLenFeature with its shape when every record has the same number of values, else
/// VarLenFeature), then each record as proto3's JSON mapping of tf.train.Example (what
/// `google.protobuf.json_format.MessageToJson` gives: int64 as strings, bytes as base64).
#include <staticflow/io.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace io = staticflow::io;

namespace {

struct options {
  std::string command;
  io::compression compression = io::compression::none;
  bool skip_corrupt = false;
  std::size_t limit = 0;  ///< dump at most this many records (0: all)
  std::vector<std::string> files;
};

[[noreturn]] void usage(int status) {
  std::fputs("usage: tfrecord_tool count|verify|dump [--compression none|gzip|zlib] [--skip-corrupt] [--limit N] FILE...\n",
             status ? stderr : stdout);
  std::exit(status);
}

options parse(int argc, char** argv) {
  options o;
  if (argc < 2) usage(2);
  o.command = argv[1];
  if (o.command == "--help" || o.command == "-h") usage(0);
  if (o.command != "count" && o.command != "verify" && o.command != "dump")
    throw sf::invalid_argument("tfrecord_tool: unknown command '" + o.command + "' (count, verify or dump)");
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw sf::invalid_argument("tfrecord_tool: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--compression") o.compression = io::compression_from_string(value());
    else if (a == "--skip-corrupt") o.skip_corrupt = true;
    else if (a == "--limit") {
      const std::string v = value();
      try {
        o.limit = std::stoul(v);
      } catch (const std::logic_error&) {
        throw sf::invalid_argument("tfrecord_tool: bad value '" + v + "' for --limit");
      }
    } else if (a.starts_with("--")) throw sf::invalid_argument("tfrecord_tool: unknown flag " + a);
    else o.files.push_back(a);
  }
  if (o.files.empty()) throw sf::invalid_argument("tfrecord_tool: no FILE given");
  return o;
}

// ------------------------------------------------------------------------------------ JSON

void append_escaped(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') out += '\\', out += ch;
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += ch;
  }
  out += '"';
}

void append_base64(std::string& out, std::string_view s) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out += '"';
  std::size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    const unsigned v = (unsigned(static_cast<unsigned char>(s[i])) << 16) | (unsigned(static_cast<unsigned char>(s[i + 1])) << 8) |
                       unsigned(static_cast<unsigned char>(s[i + 2]));
    for (int k = 18; k >= 0; k -= 6) out += digits[(v >> k) & 63];
  }
  if (const std::size_t rest = s.size() - i; rest > 0) {
    unsigned v = unsigned(static_cast<unsigned char>(s[i])) << 16;
    if (rest == 2) v |= unsigned(static_cast<unsigned char>(s[i + 1])) << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += rest == 2 ? digits[(v >> 6) & 63] : '=';
    out += '=';
  }
  out += '"';
}

// proto3 JSON: finite floats as the shortest text that reads back as the same float.
void append_float(std::string& out, float v) {
  if (std::isnan(v)) { out += "\"NaN\""; return; }
  if (std::isinf(v)) { out += v > 0 ? "\"Infinity\"" : "\"-Infinity\""; return; }
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  out += buf;
}

template <class List, class F>
void append_list(std::string& out, const char* name, const List& list, F value) {
  out += '{';
  append_escaped(out, name);
  out += ":{";
  if (!list.value.empty()) {
    out += "\"value\":[";
    for (std::size_t i = 0; i < list.value.size(); ++i) {
      if (i) out += ',';
      value(list.value[i]);
    }
    out += ']';
  }
  out += "}}";
}

std::string example_json(const io::example& ex) {
  std::string out = "{";
  if (!ex.features.empty()) {
    out += "\"features\":{\"feature\":{";
    bool first = true;
    for (const auto& [key, f] : ex.features) {
      if (!first) out += ',';
      first = false;
      append_escaped(out, key);
      out += ':';
      if (const auto* b = std::get_if<io::bytes_list>(&f)) append_list(out, "bytesList", *b, [&](const std::string& s) { append_base64(out, s); });
      else if (const auto* fl = std::get_if<io::float_list>(&f)) append_list(out, "floatList", *fl, [&](float v) { append_float(out, v); });
      else if (const auto* il = std::get_if<io::int64_list>(&f)) append_list(out, "int64List", *il, [&](std::int64_t v) { out += '"' + std::to_string(v) + '"'; });
      else out += "{}";
    }
    out += "}}";
  }
  return out + "}";
}

// ---------------------------------------------------------------------------------- schema

/// What the records seen so far say about one feature.
struct feature_stats {
  std::size_t kind = 0;  ///< the oneof field number (1 bytes, 2 float, 3 int64); 0 none yet
  bool mixed = false;    ///< different kinds in different records
  std::size_t present = 0, min_len = ~std::size_t{0}, max_len = 0;
};

std::size_t list_size(const io::feature& f) {
  return std::visit([](const auto& l) -> std::size_t {
    if constexpr (requires { l.value.size(); }) return l.value.size();
    else return 0;
  }, f);
}

void observe(std::map<std::string, feature_stats>& schema, const io::example& ex) {
  for (const auto& [key, f] : ex.features) {
    feature_stats& s = schema[key];
    if (f.index() != 0) {
      if (s.kind != 0 && s.kind != f.index()) s.mixed = true;
      s.kind = f.index();
    }
    ++s.present;
    s.min_len = std::min(s.min_len, list_size(f));
    s.max_len = std::max(s.max_len, list_size(f));
  }
}

std::string schema_json(const std::map<std::string, feature_stats>& schema, std::size_t records) {
  std::string out = "{\"schema\":{";
  bool first = true;
  for (const auto& [key, s] : schema) {
    if (!first) out += ',';
    first = false;
    append_escaped(out, key);
    const char* dtype = s.mixed ? "mixed" : s.kind == 1 ? "string" : s.kind == 2 ? "float32" : s.kind == 3 ? "int64" : "unknown";
    out += std::string(":{\"dtype\":\"") + dtype + "\",";
    if (s.present == records && s.min_len == s.max_len)
      out += "\"feature\":\"FixedLenFeature\",\"shape\":[" + std::to_string(s.max_len) + "]";
    else
      out += "\"feature\":\"VarLenFeature\",\"min_length\":" + std::to_string(s.present == records ? s.min_len : 0) +
             ",\"max_length\":" + std::to_string(s.max_len);
    out += ",\"present_in\":" + std::to_string(s.present) + "}";
  }
  return out + "},\"records\":" + std::to_string(records) + "}";
}

// -------------------------------------------------------------------------------- commands

int count(const options& o) {
  std::uint64_t total = 0;
  for (const auto& f : o.files) {
    io::tfrecord_reader r(f, {.compression = o.compression});
    while (r.next()) {}
    std::printf("%llu\t%s\n", static_cast<unsigned long long>(r.records_read()), f.c_str());
    total += r.records_read();
  }
  if (o.files.size() > 1) std::printf("%llu\ttotal\n", static_cast<unsigned long long>(total));
  return 0;
}

int verify(const options& o) {
  int status = 0;
  for (const auto& f : o.files) {
    try {
      io::tfrecord_reader r(f, {.compression = o.compression, .skip_corrupt = o.skip_corrupt});
      while (r.next()) {}
      if (r.corrupt_records() > 0) {
        std::printf("CORRUPT\t%s: %llu good records, %llu corrupt skipped\n", f.c_str(),
                    static_cast<unsigned long long>(r.records_read()), static_cast<unsigned long long>(r.corrupt_records()));
        status = 1;
      } else {
        std::printf("OK\t%s: %llu records, %llu bytes\n", f.c_str(), static_cast<unsigned long long>(r.records_read()),
                    static_cast<unsigned long long>(r.offset()));
      }
    } catch (const sf::data_loss& e) {
      std::printf("CORRUPT\t%s\n", e.what());
      status = 1;
    }
  }
  return status;
}

int dump(const options& o) {
  // Two passes: the schema line comes first, inferred from the records the second pass prints.
  std::map<std::string, feature_stats> schema;
  std::size_t seen = 0;
  for (const auto& f : o.files) {
    io::tfrecord_reader r(f, {.compression = o.compression});
    for (std::string rec; (o.limit == 0 || seen < o.limit) && r.next(rec); ++seen) observe(schema, io::example::decode(rec));
  }
  std::puts(schema_json(schema, seen).c_str());
  std::size_t printed = 0;
  for (const auto& f : o.files) {
    io::tfrecord_reader r(f, {.compression = o.compression});
    for (std::string rec; printed < seen && r.next(rec); ++printed) std::puts(example_json(io::example::decode(rec)).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const options o = parse(argc, argv);
    if (o.command == "count") return count(o);
    if (o.command == "verify") return verify(o);
    return dump(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tfrecord_tool: %s\n", e.what());
    return 1;
  }
}
