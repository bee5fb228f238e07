// SPDX-License-Identifier: MIT
/// \file
/// \brief The `checkpoint` state file of a checkpoint directory (TF's CheckpointState in
/// protobuf text format) and `latest_checkpoint(dir)`.
///
/// The file holds, one field per line, `model_checkpoint_path: "model.ckpt-1000"`, then each
/// kept checkpoint as `all_model_checkpoint_paths: "..."` (oldest first), their times as
/// `all_model_checkpoint_timestamps: <seconds since the epoch>`, and
/// `last_preserved_timestamp: <seconds>` (checkpoint_state.proto, fields 1-4). Paths are
/// written relative to the directory (TF's save_relative_paths), so a run directory can be
/// moved; absolute paths written by TensorFlow read as they are.
#pragma once
#ifndef STATICFLOW_TRAIN_CHECKPOINT_STATE_HPP
#define STATICFLOW_TRAIN_CHECKPOINT_STATE_HPP

#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/io/atomic_file.hpp"
#include "staticflow/io/file.hpp"

namespace staticflow::train {

/// TF's CheckpointState.
struct checkpoint_state {
  std::string model_checkpoint_path;
  std::vector<std::string> all_model_checkpoint_paths;
  std::vector<double> all_model_checkpoint_timestamps;
  double last_preserved_timestamp = 0;
};

namespace detail {

/// A string as protobuf's text format writes it: quoted, C escapes, other bytes in octal.
inline std::string text_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (u < 0x20 || u >= 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\%03o", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/// The shortest text that reads back as `x`, laid out as Python's repr lays it out (TF writes the
/// file with text_format, which uses it): positional with at least one decimal for decimal
/// exponents -4..15 ("1700000000.0", "0.0001"), scientific otherwise ("1e+16", "1.5e-05").
inline std::string text_number(double x) {
  char buf[64];
  const auto sci = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const std::string s(buf, sci.ptr);
  const auto e = s.find('e');
  const int exponent = e == std::string::npos ? 0 : std::atoi(s.c_str() + e + 1);
  if (exponent < -4 || exponent >= 16) return s;
  const auto fixed = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
  std::string f(buf, fixed.ptr);
  if (f.find('.') == std::string::npos && f.find_first_of("in") == std::string::npos) f += ".0";
  return f;
}

/// A small reader of the text format, for the fields of CheckpointState (unknown scalar fields
/// are skipped). `file` names the file in errors.
class text_reader {
 public:
  text_reader(std::string_view text, std::string file) : s_(text), file_(std::move(file)) {}

  /// The next `name: value`; false at the end.
  bool next(std::string& name, std::string& value, bool& quoted) {
    skip_space();
    if (pos_ >= s_.size()) return false;
    name.clear();
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) name += s_[pos_++];
    if (name.empty()) fail("expected a field name");
    skip_space();
    if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after '" + name + "'");
    ++pos_;
    skip_space();
    quoted = pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'');
    value = quoted ? read_string() : read_scalar();
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    staticflow::detail::fail<data_loss>({"sf::train: checkpoint state file '", file_, "' line ", line, ": ", what});
  }

 private:
  void skip_space() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      else if (s_[pos_] == '#') while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      else break;
    }
  }
  std::string read_scalar() {
    std::string v;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_]))) v += s_[pos_++];
    if (v.empty()) fail("expected a value");
    return v;
  }
  std::string read_string() {
    const char quote = s_[pos_++];
    std::string v;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] == '\n') fail("unterminated string");
      const char c = s_[pos_++];
      if (c == quote) return v;
      if (c != '\\') {
        v += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': v += '\n'; break;
        case 'r': v += '\r'; break;
        case 't': v += '\t'; break;
        case 'x': v += static_cast<char>(digits(16, 2)); break;
        default:
          if (e >= '0' && e <= '7') {
            --pos_;
            v += static_cast<char>(digits(8, 3));
          } else {
            v += e;  // \" \' \\ and others as themselves
          }
      }
    }
  }
  unsigned digits(unsigned base, int max) {
    unsigned v = 0;
    int n = 0;
    for (; n < max && pos_ < s_.size(); ++n, ++pos_) {
      const char c = s_[pos_];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
      if (d >= static_cast<int>(base)) break;
      v = v * base + static_cast<unsigned>(d);
    }
    if (n == 0 || v > 255) fail("bad escape in a string");
    return v;
  }

  std::string_view s_;
  std::string file_;
  std::size_t pos_ = 0;
};

inline double parse_number(const std::string& v, const text_reader& r) {
  double x = 0;
  const auto res = std::from_chars(v.data(), v.data() + v.size(), x);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) r.fail("'" + v + "' is not a number");
  return x;
}

}  // namespace detail

/// The state file's text.
inline std::string to_text(const checkpoint_state& s) {
  std::string out = "model_checkpoint_path: " + detail::text_quote(s.model_checkpoint_path) + "\n";
  for (const auto& p : s.all_model_checkpoint_paths) out += "all_model_checkpoint_paths: " + detail::text_quote(p) + "\n";
  for (const double t : s.all_model_checkpoint_timestamps)
    out += "all_model_checkpoint_timestamps: " + detail::text_number(t) + "\n";
  if (s.last_preserved_timestamp != 0)
    out += "last_preserved_timestamp: " + detail::text_number(s.last_preserved_timestamp) + "\n";
  return out;
}

/// Parses a state file's text (`file` names it in errors).
/// **Errors:** malformed text, a field given the wrong kind of value: data_loss with the line.
inline checkpoint_state parse_checkpoint_state(std::string_view text, const std::string& file) {
  checkpoint_state s;
  detail::text_reader r(text, file);
  std::string name, value;
  bool quoted = false;
  while (r.next(name, value, quoted)) {
    const bool is_path = name == "model_checkpoint_path" || name == "all_model_checkpoint_paths";
    if (is_path != quoted && (is_path || name == "all_model_checkpoint_timestamps" || name == "last_preserved_timestamp"))
      r.fail("field '" + name + (is_path ? "' needs a quoted string" : "' needs a number"));
    if (name == "model_checkpoint_path") s.model_checkpoint_path = value;
    else if (name == "all_model_checkpoint_paths") s.all_model_checkpoint_paths.push_back(value);
    else if (name == "all_model_checkpoint_timestamps") s.all_model_checkpoint_timestamps.push_back(detail::parse_number(value, r));
    else if (name == "last_preserved_timestamp") s.last_preserved_timestamp = detail::parse_number(value, r);
  }
  return s;
}

/// Writes `dir/latest_filename` atomically (a crash leaves the old state file or the new one).
inline void write_checkpoint_state(const std::filesystem::path& dir, const checkpoint_state& s,
                                   const std::string& latest_filename = "checkpoint", bool sync = true) {
  io::atomic_file f(dir / latest_filename, sync);
  f.append(to_text(s));
  f.commit();
}

/// TF's get_checkpoint_state: the state file of `dir`, with relative paths made relative to the
/// working directory (joined to `dir`); nullopt when there is none.
inline std::optional<checkpoint_state> get_checkpoint_state(const std::filesystem::path& dir,
                                                            const std::string& latest_filename = "checkpoint") {
  const auto path = dir / latest_filename;
  const auto file = io::read_file::open_if_there(path.string());
  if (!file) return std::nullopt;
  checkpoint_state s = parse_checkpoint_state(file->read_all("sf::train::get_checkpoint_state"), path.string());
  auto join = [&](std::string& p) {
    if (!p.empty() && std::filesystem::path(p).is_relative()) p = (dir / p).string();
  };
  join(s.model_checkpoint_path);
  for (auto& p : s.all_model_checkpoint_paths) join(p);
  return s;
}

/// TF's latest_checkpoint: the prefix of the newest checkpoint of `dir` ("dir/model.ckpt-1000"),
/// or nullopt when there is no state file or its checkpoint's index is gone.
inline std::optional<std::string> latest_checkpoint(const std::filesystem::path& dir,
                                                    const std::string& latest_filename = "checkpoint") {
  const auto s = get_checkpoint_state(dir, latest_filename);
  if (!s || s->model_checkpoint_path.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::exists(s->model_checkpoint_path + ".index", ec)) return std::nullopt;
  return s->model_checkpoint_path;
}

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_CHECKPOINT_STATE_HPP
