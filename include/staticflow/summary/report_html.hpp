// SPDX-License-Identifier: MIT
/// \file
/// \brief The training report as one self-contained HTML page: what `read_logdir` read, drawn
/// with inline SVG by an inline script, images and audio as `data:` URIs; nothing is fetched
/// from the network, so the file can be mailed or opened offline.
///
/// Sections: Scalars (a chart per tag, every run that logged it overlaid in its colour, the
/// raw values faint and the smoothed ones on top; hover for the values), Text (the Markdown of
/// text summaries, e.g. the trainer's layer table, tables rendered), Images (the last steps of
/// each image tag), Histograms (per tag and run, one curve per logged step, later steps in
/// front and darker: TensorBoard's "offset" view), Audio, Graphs (each run's GraphDef: its
/// variables with their shapes and parameter counts, and every node), and the problems met
/// reading the files. The page marks `<body data-rendered="ok">` once its script has drawn every
/// chart (or `data-rendered="error: ..."`), for tests in a browser.
#pragma once
#ifndef STATICFLOW_SUMMARY_REPORT_HTML_HPP
#define STATICFLOW_SUMMARY_REPORT_HTML_HPP

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticflow/core/error.hpp"
#include "staticflow/summary/report.hpp"

namespace staticflow::summary {

/// Options of `write_report_html`.
struct report_html_options {
  std::string title = "Training report";
  double smoothing = 0.6;              ///< TensorBoard's default scalar smoothing
  std::size_t max_image_steps = 8;     ///< the last this many steps of each image tag
  std::size_t max_histogram_steps = 40;  ///< steps drawn per histogram (evenly spaced, the last kept)
  std::size_t histogram_bins = 40;       ///< bins of [min, max] each histogram is redrawn over
};

namespace detail::html {

inline void escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}
inline std::string escaped(std::string_view s) {
  std::string out;
  escape(out, s);
  return out;
}

/// A JSON string, safe inside `<script>` (`<` is written as \u003c).
inline void json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\', out += ch;
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00", out += hex[c >> 4], out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
}

/// A number with `digits` significant digits; NaN and infinities as null (JSON has neither).
inline void json_number(std::string& out, double v, int digits = 7) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits);
  out.append(buf, r.ptr);
}
inline void json_integer(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <class T, class F>
void json_array(std::string& out, const std::vector<T>& items, F&& each) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    each(items[i]);
  }
  out += ']';
}

inline std::string base64(std::string_view bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += table[(v >> s) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest) {
    const std::uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out += table[(v >> 18) & 63], out += table[(v >> 12) & 63];
    out += rest == 2 ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// The MIME type of an encoded image, from its first bytes.
inline std::string_view image_mime(std::string_view b) {
  if (b.starts_with("\x89PNG")) return "image/png";
  if (b.starts_with("\xFF\xD8")) return "image/jpeg";
  if (b.starts_with("GIF8")) return "image/gif";
  if (b.starts_with("BM")) return "image/bmp";
  return "application/octet-stream";
}

/// Run colours (Tableau 10), as TensorBoard gives each run its own.
inline std::string_view run_color(std::size_t i) {
  static constexpr std::array<std::string_view, 10> colors = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                              "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colors[i % colors.size()];
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// The cells of a Markdown table row `| a | b |`.
inline std::vector<std::string_view> table_cells(std::string_view line) {
  line = trim(line);
  if (line.starts_with('|')) line.remove_prefix(1);
  if (line.ends_with('|')) line.remove_suffix(1);
  std::vector<std::string_view> cells;
  for (std::size_t start = 0;;) {
    const std::size_t bar = line.find('|', start);
    cells.push_back(trim(line.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start)));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return cells;
}

/// `|---|:--:|` and the like: a Markdown table's header separator.
inline bool is_table_separator(std::string_view line) {
  line = trim(line);
  if (!line.starts_with('|') && !line.starts_with('-') && !line.starts_with(':')) return false;
  return line.find('-') != std::string_view::npos &&
         line.find_first_not_of("|-: \t") == std::string_view::npos;
}

/// Markdown as TensorBoard's Text tab needs it for logs: tables (a header row, a separator,
/// rows; a right-aligned column when its separator ends in ':') and paragraphs of escaped text.
inline void markdown(std::string& out, std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  std::string paragraph;
  const auto end_paragraph = [&] {
    if (!paragraph.empty()) out += "<p>" + paragraph + "</p>";
    paragraph.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = trim(lines[i]);
    if (line.starts_with('|') && i + 1 < lines.size() && is_table_separator(lines[i + 1])) {
      end_paragraph();
      std::vector<bool> right;
      for (std::string_view c : table_cells(lines[i + 1])) right.push_back(c.size() > 1 && c.back() == ':');
      const auto row = [&](std::string_view l, const char* cell) {
        out += "<tr>";
        std::size_t k = 0;
        for (std::string_view c : table_cells(l)) {
          out += std::string("<") + cell + (k < right.size() && right[k] ? " class=\"num\">" : ">");
          escape(out, c);
          out += std::string("</") + cell + ">";
          ++k;
        }
        out += "</tr>";
      };
      out += "<table class=\"md\"><thead>";
      row(line, "th");
      out += "</thead><tbody>";
      for (i += 2; i < lines.size() && trim(lines[i]).starts_with('|'); ++i) row(lines[i], "td");
      out += "</tbody></table>";
      --i;
    } else if (line.empty()) {
      end_paragraph();
    } else {
      if (!paragraph.empty()) paragraph += "<br>";
      escape(paragraph, line);
    }
  }
  end_paragraph();
}

/// `tag/image/3` -> ("tag", 3); `tag/image` -> ("tag", 0); other tags stay whole.
inline std::pair<std::string, std::size_t> image_group(const std::string& tag) {
  if (tag.ends_with("/image")) return {tag.substr(0, tag.size() - 6), 0};
  const std::size_t at = tag.rfind("/image/");
  if (at != std::string::npos) {
    std::size_t index = 0;
    const char* first = tag.data() + at + 7;
    const char* last = tag.data() + tag.size();
    if (auto r = std::from_chars(first, last, index); r.ec == std::errc{} && r.ptr == last) return {tag.substr(0, at), index};
  }
  return {tag, 0};
}

/// Up to `n` indices of [0, size), evenly spaced, always with the last.
inline std::vector<std::size_t> spaced(std::size_t size, std::size_t n) {
  std::vector<std::size_t> out;
  if (size == 0 || n == 0) return out;
  if (size <= n) {
    for (std::size_t i = 0; i < size; ++i) out.push_back(i);
    return out;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = n == 1 ? size - 1 : k * (size - 1) / (n - 1);
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

inline std::string_view style();   // (the page's CSS and script, at the end of the file)
inline std::string_view script();

// ----------------------------------------------------------------- the JSON the script draws

inline std::string chart_data(const report_data& d, const report_html_options& o) {
  std::string j = "{\"smoothing\":";
  json_number(j, o.smoothing);
  j += ",\"runs\":";
  std::size_t index = 0;
  json_array(j, d.runs, [&](const report_run& r) {
    j += "{\"name\":", json_string(j, r.name), j += ",\"color\":", json_string(j, run_color(index++)), j += '}';
  });

  // Scalars: one chart per tag, a series per run that has it.
  std::map<std::string, std::vector<std::size_t>> tags;
  for (std::size_t r = 0; r < d.runs.size(); ++r)
    for (const auto& [tag, points] : d.runs[r].scalars) tags[tag].push_back(r);
  j += ",\"scalars\":[";
  bool first_tag = true;
  for (const auto& tag_runs : tags) {  // (no structured bindings: clang < 16 cannot capture them)
    const std::string& tag = tag_runs.first;
    const std::vector<std::size_t>& runs = tag_runs.second;
    if (!std::exchange(first_tag, false)) j += ',';
    j += "{\"tag\":", json_string(j, tag), j += ",\"series\":";
    json_array(j, runs, [&](std::size_t r) {
      const auto& points = d.runs[r].scalars.at(tag);
      std::vector<double> values;
      for (const auto& p : points) values.push_back(p.value);
      const std::vector<double> smoothed = smooth(values, o.smoothing);
      j += "{\"run\":", json_integer(j, static_cast<std::int64_t>(r)), j += ",\"steps\":";
      json_array(j, points, [&](const auto& p) { json_integer(j, p.step); });
      j += ",\"values\":";
      json_array(j, values, [&](double v) { json_number(j, v); });
      j += ",\"smoothed\":";
      json_array(j, smoothed, [&](double v) { json_number(j, v); });
      j += '}';
    });
    j += '}';
  }
  j += ']';

  // Histograms: one chart per run and tag, steps sampled, each redrawn over common bins.
  j += ",\"histograms\":[";
  bool first_histogram = true;
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    for (const auto& tag_points : d.runs[r].histograms) {
      const std::string& tag = tag_points.first;
      const auto& points = tag_points.second;
      std::vector<std::size_t> chosen;
      for (std::size_t i : spaced(points.size(), o.max_histogram_steps))
        if (points[i].value.num > 0) chosen.push_back(i);
      if (chosen.empty()) continue;
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (std::size_t i : chosen) lo = std::min(lo, points[i].value.min), hi = std::max(hi, points[i].value.max);
      if (!std::isfinite(lo) || !std::isfinite(hi)) continue;
      if (!(hi > lo)) {
        const double pad = std::max(std::abs(lo) * 0.1, 0.5);
        lo -= pad, hi += pad;
      }
      if (!std::exchange(first_histogram, false)) j += ',';
      j += "{\"tag\":", json_string(j, tag), j += ",\"run\":", json_integer(j, static_cast<std::int64_t>(r));
      j += ",\"lo\":", json_number(j, lo, 9), j += ",\"hi\":", json_number(j, hi, 9), j += ",\"steps\":";
      json_array(j, chosen, [&](std::size_t i) { json_integer(j, points[i].step); });
      j += ",\"counts\":";
      json_array(j, chosen, [&](std::size_t i) {
        json_array(j, rebin(points[i].value, lo, hi, o.histogram_bins), [&](double c) { json_number(j, c, 4); });
      });
      j += '}';
    }
  }
  j += "]}";
  return j;
}

// ----------------------------------------------------------------- the static sections

inline void legend(std::string& h, const report_data& d) {
  h += "<div class=\"legend\">";
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    h += "<span class=\"run\"><i style=\"background:";
    h += run_color(r);
    h += "\"></i>";
    escape(h, d.runs[r].name);
    h += "</span>";
  }
  h += "</div>";
}

inline void run_heading(std::string& h, const report_data& d, std::size_t r) {
  h += "<span class=\"run\"><i style=\"background:";
  h += run_color(r);
  h += "\"></i>";
  escape(h, d.runs[r].name);
  h += "</span>";
}

inline void text_section(std::string& h, const report_data& d) {
  std::string cards;
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    for (const auto& [tag, points] : d.runs[r].texts) {
      const auto& last = points.back();
      cards += "<div class=\"card text\" data-tag=\"" + escaped(tag) + "\"><h3>" + escaped(tag) + "</h3>";
      cards += "<div class=\"sub\">";
      run_heading(cards, d, r);
      cards += " step " + std::to_string(last.step) + "</div>";
      markdown(cards, last.value);
      cards += "</div>";
    }
  }
  if (!cards.empty()) h += "<section id=\"text\"><h2>Text</h2><div class=\"grid wide\">" + cards + "</div></section>";
}

inline void image_section(std::string& h, const report_data& d, const report_html_options& o) {
  std::string cards;
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    // group -> step -> (index, image)
    std::map<std::string, std::map<std::int64_t, std::vector<std::pair<std::size_t, const image_proto*>>>> groups;
    for (const auto& [tag, points] : d.runs[r].images) {
      const auto [group, index] = image_group(tag);
      for (const auto& p : points) groups[group][p.step].emplace_back(index, &p.value);
    }
    for (auto& [group, steps] : groups) {
      cards += "<div class=\"card images\" data-tag=\"" + escaped(group) + "\"><h3>" + escaped(group) + "</h3>";
      cards += "<div class=\"sub\">";
      run_heading(cards, d, r);
      if (steps.size() > o.max_image_steps)
        cards += " the last " + std::to_string(o.max_image_steps) + " of " + std::to_string(steps.size()) + " steps";
      cards += "</div>";
      std::size_t shown = 0;
      for (auto it = steps.rbegin(); it != steps.rend() && shown < o.max_image_steps; ++it, ++shown) {
        std::sort(it->second.begin(), it->second.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        cards += "<div class=\"image-row\"><span class=\"step\">step " + std::to_string(it->first) + "</span>";
        for (const auto& [index, im] : it->second) {
          const std::int64_t w = im->width > 0 && im->width <= 4096 ? im->width : 64;
          const std::int64_t scale = w <= 48 ? 3 : w <= 96 ? 2 : 1;
          cards += "<img alt=\"" + escaped(group) + " " + std::to_string(index) + "\" width=\"" +
                   std::to_string(std::min<std::int64_t>(w * scale, 320)) + "\" src=\"data:";
          cards += image_mime(im->encoded);
          cards += ";base64," + base64(im->encoded) + "\">";
        }
        cards += "</div>";
      }
      cards += "</div>";
    }
  }
  if (!cards.empty()) h += "<section id=\"images\"><h2>Images</h2><div class=\"grid\">" + cards + "</div></section>";
}

inline void audio_section(std::string& h, const report_data& d) {
  std::string cards;
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    for (const auto& [tag, points] : d.runs[r].audio) {
      const auto& last = points.back();
      cards += "<div class=\"card audio\" data-tag=\"" + escaped(tag) + "\"><h3>" + escaped(tag) + "</h3><div class=\"sub\">";
      run_heading(cards, d, r);
      cards += " step " + std::to_string(last.step) + "</div><audio controls src=\"data:";
      escape(cards, last.value.content_type.empty() ? "audio/wav" : last.value.content_type);
      cards += ";base64," + base64(last.value.encoded) + "\"></audio></div>";
    }
  }
  if (!cards.empty()) h += "<section id=\"audio\"><h2>Audio</h2><div class=\"grid\">" + cards + "</div></section>";
}

inline std::string shape_text(const graph_node& n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n.shape.size(); ++i)
    s += (i ? ", " : "") + (n.shape[i] < 0 ? std::string("?") : std::to_string(n.shape[i]));
  return s + "]";
}

inline void graph_section(std::string& h, const report_data& d) {
  std::string cards;
  for (std::size_t r = 0; r < d.runs.size(); ++r) {
    if (d.runs[r].graph_def.empty()) continue;
    cards += "<div class=\"card graph\"><h3>Graph</h3><div class=\"sub\">";
    run_heading(cards, d, r);
    cards += "</div>";
    std::vector<graph_node> nodes;
    try {
      nodes = graph_nodes(d.runs[r].graph_def);
    } catch (const staticflow::error& e) {
      cards += "<p class=\"problem\">" + escaped(e.what()) + "</p></div>";
      continue;
    }
    std::string variables;
    std::uint64_t parameters = 0, count = 0;
    const auto saturated = [](std::uint64_t a, std::uint64_t b, bool product) {  // (shapes from a file)
      std::uint64_t r = 0;
      const bool over = product ? __builtin_mul_overflow(a, b, &r) : __builtin_add_overflow(a, b, &r);
      return over ? ~std::uint64_t{0} : r;
    };
    for (const graph_node& n : nodes) {
      if (!n.has_shape || (n.op != "VariableV2" && n.op != "Variable" && n.op != "VarHandleOp")) continue;
      std::uint64_t size = 1;
      for (std::int64_t x : n.shape) size = saturated(size, x > 0 ? static_cast<std::uint64_t>(x) : 0, true);
      parameters = saturated(parameters, size, false), ++count;
      variables += "<tr><td>" + escaped(n.name) + "</td><td>" + shape_text(n) + "</td><td class=\"num\">" +
                   std::to_string(size) + "</td></tr>";
    }
    cards += "<p>" + std::to_string(nodes.size()) + " nodes; " + std::to_string(count) + " variables holding " +
             std::to_string(parameters) + " parameters</p>";
    if (!variables.empty())
      cards += "<table class=\"md\"><thead><tr><th>Variable</th><th>Shape</th><th class=\"num\">Parameters</th></tr>"
               "</thead><tbody>" + variables + "</tbody></table>";
    cards += "<details><summary>All nodes</summary><table class=\"md\"><thead><tr><th>Node</th><th>Op</th><th>Inputs</th>"
             "</tr></thead><tbody>";
    for (const graph_node& n : nodes) {
      cards += "<tr><td>" + escaped(n.name) + "</td><td>" + escaped(n.op) + "</td><td>";
      for (std::size_t i = 0; i < n.inputs.size(); ++i) cards += (i ? ", " : "") + escaped(n.inputs[i]);
      cards += "</td></tr>";
    }
    cards += "</tbody></table></details></div>";
  }
  if (!cards.empty()) h += "<section id=\"graphs\"><h2>Graphs</h2><div class=\"grid wide\">" + cards + "</div></section>";
}

}  // namespace detail::html

/// Writes the report of `data` (see the file comment) to `out`.
///
/// **Errors**: invalid_argument for a smoothing weight outside [0, 1] or no histogram bins.
inline void write_report_html(std::ostream& out, const report_data& data, const report_html_options& options = {}) {
  namespace html = detail::html;
  if (!(options.smoothing >= 0 && options.smoothing <= 1))
    staticflow::detail::fail<invalid_argument>({"sf::summary::write_report_html: smoothing must lie in [0, 1], got ",
                                                options.smoothing});
  if (options.histogram_bins == 0)
    staticflow::detail::fail<invalid_argument>({"sf::summary::write_report_html: histogram_bins must be at least 1"});
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
  html::escape(h, options.title);
  h += "</title><style>";
  h += html::style();
  h += "</style></head><body data-rendered=\"no\"><header><h1>";
  html::escape(h, options.title);
  h += "</h1><div class=\"meta\">";
  html::escape(h, data.logdir.string());
  h += " &middot; " + std::to_string(data.runs.size()) + (data.runs.size() == 1 ? " run" : " runs");
  h += " &middot; smoothing ";
  html::json_number(h, options.smoothing, 3);
  h += "</div>";
  html::legend(h, data);
  h += "</header><main>";
  if (!data.problems.empty()) {
    h += "<section id=\"problems\"><h2>Problems reading the logs</h2><ul>";
    for (const std::string& p : data.problems) h += "<li>" + html::escaped(p) + "</li>";
    h += "</ul><p>Everything else in the files was read and is shown below.</p></section>";
  }
  h += "<section id=\"scalars-section\"><h2>Scalars</h2><div id=\"scalars\" class=\"grid\"></div></section>";
  html::text_section(h, data);
  html::image_section(h, data, options);
  h += "<section id=\"histograms-section\"><h2>Histograms</h2><div id=\"histograms\" class=\"grid\"></div></section>";
  html::audio_section(h, data);
  html::graph_section(h, data);
  h += "</main><div id=\"tip\"></div><script type=\"application/json\" id=\"board-data\">";
  h += html::chart_data(data, options);
  h += "</script><script>";
  h += html::script();
  h += "</script></body></html>\n";
  out << h;
}

namespace detail::html {

inline std::string_view style() {
  return R"css(
:root{--fg:#212121;--muted:#6b6b6b;--line:#e0e0e0;--bg:#f5f5f5;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{position:sticky;top:0;z-index:2;background:#263238;color:#fff;padding:10px 20px;box-shadow:0 1px 4px rgba(0,0,0,.25)}
header h1{margin:0;font-size:20px;font-weight:500}
header .meta{font-size:12px;opacity:.9}
.legend{margin-top:6px;display:flex;flex-wrap:wrap;gap:4px 16px}
.run{white-space:nowrap}
.run i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
main{padding:8px 20px 40px}
h2{font-size:17px;font-weight:500;margin:22px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:14px}
.grid.wide{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}
.card{background:var(--card);border-radius:4px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:10px 12px;min-width:0;overflow:auto}
.card h3{margin:0 0 4px;font-size:14px;font-weight:600;word-break:break-all}
.sub{font-size:12px;color:var(--muted);margin-bottom:6px}
svg.chart{width:100%;height:auto;display:block}
svg .axis{stroke:#bdbdbd;stroke-width:1}
svg .grid-line{stroke:#eee;stroke-width:1}
svg text{font-size:10.5px;fill:#757575}
svg .line{fill:none;stroke-linejoin:round;stroke-linecap:round}
svg .raw{stroke-width:1;opacity:.3}
svg .smoothed{stroke-width:1.7}
svg .ridge{stroke-width:.7}
svg .cursor{stroke:#9e9e9e;stroke-dasharray:3 3}
#tip{position:fixed;pointer-events:none;display:none;background:rgba(33,33,33,.92);color:#fff;font-size:12px;padding:6px 8px;border-radius:3px;z-index:3}
#tip td{padding:0 6px 0 0}
#tip i{display:inline-block;width:9px;height:9px;margin-right:4px}
table.md{border-collapse:collapse;font:12.5px/1.35 ui-monospace,"DejaVu Sans Mono",Menlo,monospace;margin:6px 0}
table.md th,table.md td{border-bottom:1px solid var(--line);padding:3px 10px 3px 0;text-align:left;vertical-align:top}
table.md .num{text-align:right}
.image-row{display:flex;align-items:center;gap:6px;margin:4px 0;flex-wrap:wrap}
.image-row .step{font-size:11px;color:var(--muted);width:72px}
.image-row img{image-rendering:pixelated;border:1px solid var(--line);background:#000}
#problems{background:#fff3e0;border-left:4px solid #e65100;padding:4px 14px;margin-top:14px}
#problems li,.problem{color:#b71c1c;font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
.empty{color:var(--muted)}
)css";
}

inline std::string_view script() {
  return R"js(
(function () {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';  // the SVG namespace name (nothing is fetched)
  const W = 460, H = 260;
  const data = JSON.parse(document.getElementById('board-data').textContent);
  const tip = document.getElementById('tip');

  function svg(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, cls, parent, text) {
    const e = document.createElement(name);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  const finite = (v) => v !== null && Number.isFinite(v);
  function fmt(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
    return String(+v.toPrecision(4));
  }
  function ticks(lo, hi, n) {
    const span = hi - lo;
    if (!(span > 0)) return [lo];
    const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / mag;
    const step = (f >= 7.5 ? 10 : f >= 3.5 ? 5 : f >= 1.5 ? 2 : 1) * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function scale(d0, d1, r0, r1) {
    const k = d1 > d0 ? (r1 - r0) / (d1 - d0) : 0;
    return (v) => r0 + (v - d0) * k;
  }
  function padded(lo, hi) {
    if (!(hi > lo)) { const p = lo !== 0 ? Math.abs(lo) * 0.05 : 0.5; return [lo - p, hi + p]; }
    const p = (hi - lo) * 0.05;
    return [lo - p, hi + p];
  }
  function axes(g, m, xd, yd, sx, sy, xlabels) {
    for (const v of ticks(yd[0], yd[1], 5)) {
      svg('line', {x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), class: 'grid-line'}, g);
      svg('text', {x: m.l - 6, y: sy(v) + 3.5, 'text-anchor': 'end'}, g).textContent = fmt(v);
    }
    for (const v of ticks(xd[0], xd[1], 5).filter(Number.isInteger)) {  // steps
      svg('line', {x1: sx(v), x2: sx(v), y1: H - m.b, y2: H - m.b + 4, class: 'axis'}, g);
      svg('text', {x: sx(v), y: H - m.b + 15, 'text-anchor': 'middle'}, g).textContent = xlabels(v);
    }
    svg('line', {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis'}, g);
  }
  // "M x y L x y ..." over the finite points; a non-finite value lifts the pen.
  function line(xs, ys, sx, sy) {
    let d = '', pen = false, n = 0;
    for (let i = 0; i < xs.length; i++) {
      if (!finite(ys[i])) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + sx(xs[i]).toFixed(1) + ' ' + sy(ys[i]).toFixed(1);
      pen = true;
      n++;
    }
    return [d, n];
  }
  function nearest(steps, x) {
    let lo = 0, hi = steps.length - 1;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (steps[mid] <= x) lo = mid; else hi = mid; }
    return Math.abs(steps[hi] - x) < Math.abs(steps[lo] - x) ? hi : lo;
  }
  function card(parent, title, tag) {
    const c = html('div', 'card', parent);
    c.dataset.tag = tag;
    html('h3', '', c, title);
    return c;
  }

  let drawn = 0;
  function scalarChart(parent, chart) {
    const c = card(parent, chart.tag, chart.tag);
    const m = {l: 56, r: 14, t: 10, b: 28};
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of chart.series) {
      for (const x of s.steps) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
      for (const y of s.values) if (finite(y)) { y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    }
    if (!(y1 >= y0)) { y0 = 0; y1 = 1; }
    const xd = x1 > x0 ? [x0, x1] : [x0 - 1, x0 + 1], yd = padded(y0, y1);
    const sx = scale(xd[0], xd[1], m.l, W - m.r), sy = scale(yd[0], yd[1], H - m.b, m.t);
    const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart scalar-chart', 'data-tag': chart.tag}, c);
    axes(svg('g', {}, root), m, xd, yd, sx, sy, fmt);
    for (const s of chart.series) {
      const run = data.runs[s.run];
      const g = svg('g', {'data-run': run.name}, root);
      for (const [cls, ys] of [['raw', s.values], ['smoothed', s.smoothed]]) {
        const [d, n] = line(s.steps, ys, sx, sy);
        svg('path', {d: d, class: 'line ' + cls, stroke: run.color, 'data-run': run.name, 'data-points': n}, g);
      }
      if (s.steps.length <= 30)
        s.steps.forEach((x, i) => {
          if (finite(s.smoothed[i])) svg('circle', {cx: sx(x), cy: sy(s.smoothed[i]), r: 2.6, fill: run.color}, g);
        });
    }
    const cursor = svg('line', {y1: m.t, y2: H - m.b, class: 'cursor', visibility: 'hidden'}, root);
    root.addEventListener('mousemove', (ev) => {
      const r = root.getBoundingClientRect();
      const px = (ev.clientX - r.left) * W / r.width;
      const step = xd[0] + (px - m.l) / (W - m.l - m.r) * (xd[1] - xd[0]);
      let rows = '';
      let at = null;
      for (const s of chart.series) {
        const i = nearest(s.steps, step), run = data.runs[s.run];
        if (at === null) at = s.steps[i];
        rows += `<tr><td><i style="background:${run.color}"></i>${run.name.replace(/</g, '&lt;')}</td>` +
                `<td>${finite(s.smoothed[i]) ? fmt(s.smoothed[i]) : s.smoothed[i]}</td>` +
                `<td>${finite(s.values[i]) ? fmt(s.values[i]) : s.values[i]}</td><td>step ${s.steps[i]}</td></tr>`;
      }
      cursor.setAttribute('x1', sx(at)); cursor.setAttribute('x2', sx(at));
      cursor.setAttribute('visibility', 'visible');
      tip.innerHTML = '<table><tr><td>run</td><td>smoothed</td><td>value</td><td></td></tr>' + rows + '</table>';
      tip.style.display = 'block';
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
      tip.style.top = (ev.clientY + 14) + 'px';
    });
    root.addEventListener('mouseleave', () => { tip.style.display = 'none'; cursor.setAttribute('visibility', 'hidden'); });
    drawn++;
  }

  function mix(hex, t) {  // the run colour mixed with white: t = 0 white, 1 the colour
    const v = parseInt(hex.slice(1), 16), c = [v >> 16, (v >> 8) & 255, v & 255];
    return 'rgb(' + c.map((x) => Math.round(255 + (x - 255) * t)).join(',') + ')';
  }
  function histogramChart(parent, h) {
    const run = data.runs[h.run];
    const c = card(parent, h.tag, h.tag);
    const sub = html('div', 'sub', c);
    const r = html('span', 'run', sub, run.name);
    const sw = html('i', '', null);
    sw.style.background = run.color;
    r.prepend(sw);
    const m = {l: 14, r: 58, t: 8, b: 28};
    const n = h.steps.length, bins = h.counts[0].length, plot = H - m.t - m.b;
    const peak = n > 1 ? plot * 0.42 : plot * 0.9, gap = n > 1 ? (plot - peak) / (n - 1) : 0;
    let max = 0;
    for (const row of h.counts) for (const v of row) max = Math.max(max, v);
    if (!(max > 0)) max = 1;
    const sx = scale(h.lo, h.hi, m.l, W - m.r), width = (h.hi - h.lo) / bins;
    const root = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart histogram-chart', 'data-tag': h.tag,
                             'data-run': run.name}, c);
    const g = svg('g', {}, root);
    for (const v of ticks(h.lo, h.hi, 5)) {
      svg('line', {x1: sx(v), x2: sx(v), y1: H - m.b, y2: H - m.b + 4, class: 'axis'}, g);
      svg('text', {x: sx(v), y: H - m.b + 15, 'text-anchor': 'middle'}, g).textContent = fmt(v);
    }
    for (let i = 0; i < n; i++) {
      const base = m.t + peak + gap * i, t = n > 1 ? i / (n - 1) : 1;
      let d = `M${sx(h.lo).toFixed(1)} ${base.toFixed(1)}`;
      for (let k = 0; k < bins; k++)
        d += `L${sx(h.lo + width * (k + 0.5)).toFixed(1)} ${(base - h.counts[i][k] / max * peak).toFixed(1)}`;
      d += `L${sx(h.hi).toFixed(1)} ${base.toFixed(1)}Z`;
      svg('path', {d: d, class: 'ridge', fill: mix(run.color, 0.15 + 0.75 * t), stroke: mix(run.color, 0.5 + 0.5 * t),
                   'data-step': h.steps[i], 'data-points': bins}, root);
      if (i === 0 || i === n - 1 || (n > 4 && i === (n >> 1)))
        svg('text', {x: W - m.r + 6, y: base + 3.5}, root).textContent = 'step ' + h.steps[i];
    }
    svg('line', {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, class: 'axis'}, root);
    drawn++;
  }

  function section(id, items, draw, none) {
    const box = document.getElementById(id);
    if (!items.length) html('p', 'empty', box, none);
    for (const it of items) draw(box, it);
  }
  try {
    section('scalars', data.scalars, scalarChart, 'No scalars were logged.');
    section('histograms', data.histograms, histogramChart, 'No histograms were logged.');
    document.body.dataset.charts = drawn;
    document.body.dataset.rendered = 'ok';
  } catch (e) {
    document.body.dataset.rendered = 'error: ' + e;
    throw e;
  }
})();
)js";
}

}  // namespace detail::html

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_REPORT_HTML_HPP
