// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/report.hpp and report_html.hpp: TensorBoard's smoothing on
/// hand-worked numbers, histograms redrawn over equal bins, GraphDef nodes, runs found in a log
/// directory (restarts purged as TensorBoard purges them, a corrupt file reported with its
/// offset while its valid part is kept), and the page: self-contained, its data escaped, Markdown
/// tables, images as data: URIs.

#include "staticflow/summary/report_html.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "staticflow/io/protobuf.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/file_writer.hpp"
#include "staticflow/summary/histogram.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::vector<double> smooth(std::vector<double> v, double w) { return summary::smooth(v, w); }

std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

std::string page(const summary::report_data& d, const summary::report_html_options& o = {}) {
  std::ostringstream out;
  summary::write_report_html(out, d, o);
  return out.str();
}

}  // namespace

TEST_CASE("smooth: TensorBoard's debiased moving average, worked by hand") {
  // w = 0.5, x = 1, 2, 3: last = 0.5, 1.25, 2.125; debias 1 - 0.5^t = 0.5, 0.75, 0.875.
  const auto s = smooth({1, 2, 3}, 0.5);
  REQUIRE(s.size() == 3);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(1.25 / 0.75));   // 1.6667
  CHECK(s[2] == Approx(2.125 / 0.875));  // 2.4286
  // TensorBoard's default 0.6, x = 10, 0: last = 4, 2.4; debias 0.4, 0.64.
  const auto d = smooth({10, 0}, 0.6);
  CHECK(d[0] == Approx(10.0));
  CHECK(d[1] == Approx(3.75));
  // The first smoothed value is always the first value: the debiasing at work.
  CHECK(smooth({0.3, 7, -2}, 0.9)[0] == Approx(0.3));
}

TEST_CASE("smooth: non-finite values pass through and do not count; constants and the ends of [0, 1]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto s = smooth({1, nan, 3}, 0.5);
  CHECK(s[0] == Approx(1.0));
  CHECK(std::isnan(s[1]));
  CHECK(s[2] == Approx(1.75 / 0.75));  // the second finite value: t = 2
  CHECK(smooth({5, 5, 5}, 0.6) == std::vector<double>{5, 5, 5});
  CHECK(smooth({1, 4, 2}, 0.0) == std::vector<double>{1, 4, 2});
  CHECK(smooth({1, 4, 2}, 1.0) == std::vector<double>{0, 0, 0});  // as TensorBoard: no debiasing at 1
  CHECK(smooth({}, 0.6).empty());
  CHECK_THROWS_AS(smooth({1, 2}, 1.5), sf::invalid_argument);
  CHECK_THROWS_AS(smooth({1, 2}, nan), sf::invalid_argument);
}

TEST_CASE("rebin: buckets shared out over equal bins in proportion, the count kept") {
  summary::histogram_proto h;
  h.min = 0, h.max = 4, h.num = 4;
  h.bucket_limit = {1, 2, 4}, h.bucket = {1, 1, 2};
  CHECK(summary::rebin(h, 0, 4, 4) == std::vector<double>{1, 1, 1, 1});
  CHECK(summary::rebin(h, 0, 4, 2) == std::vector<double>{2, 2});
  // One value repeated: a bucket clamped to one point goes to the bin holding it.
  summary::histogram_proto one;
  one.min = one.max = 0.5, one.num = 3;
  one.bucket_limit = {0.55}, one.bucket = {3};
  CHECK(summary::rebin(one, 0, 1, 4) == std::vector<double>{0, 0, 3, 0});

  // TF's own buckets, from value_histogram: the total is kept and the values land near their bins.
  summary::value_histogram v;
  for (int i = 0; i < 100; ++i) v.add(i / 10.0);  // 0.0 ... 9.9
  std::vector<double> limits, counts;
  v.collapsed(limits, counts);
  summary::histogram_proto tf{v.min(), v.max(), v.num(), v.sum(), v.sum_squares(), limits, counts};
  const auto bins = summary::rebin(tf, 0, 10, 10);
  double total = 0;
  for (double c : bins) total += c;
  CHECK(total == Approx(100));
  for (double c : bins) CHECK(c == Approx(10).margin(1.5));  // TF's buckets are 10 % wide
}

TEST_CASE("graph_nodes: names, ops, inputs and the shapes of variables") {
  namespace proto = sf::io::proto;
  proto::writer g;
  g.message(1, [](proto::writer& n) {
    n.bytes(1, "net/w"), n.bytes(2, "VariableV2");
    n.message(5, [](proto::writer& e) {
      e.bytes(1, "shape");
      e.message(2, [](proto::writer& a) {
        a.message(7, [](proto::writer& s) {
          s.message(2, [](proto::writer& d) { d.uint64(1, 3); });
          s.message(2, [](proto::writer& d) { d.uint64(1, 4); });
        });
      });
    });
  });
  g.message(1, [](proto::writer& n) { n.bytes(1, "y"), n.bytes(2, "MatMul"), n.bytes(3, "x"), n.bytes(3, "net/w"); });
  const auto nodes = summary::graph_nodes(g.str());
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].name == "net/w");
  CHECK(nodes[0].op == "VariableV2");
  CHECK(nodes[0].has_shape);
  CHECK(nodes[0].shape == std::vector<std::int64_t>{3, 4});
  CHECK(nodes[1].inputs == std::vector<std::string>{"x", "net/w"});
  CHECK_FALSE(nodes[1].has_shape);
  CHECK_THROWS_AS(summary::graph_nodes("\x0a\x09xx"), sf::data_loss);

  summary::report_data d;
  summary::report_run run;
  run.name = "train", run.graph_def = g.str();
  d.runs.push_back(run);
  CHECK_THAT(page(d), Contains("2 nodes; 1 variables holding 12 parameters") && Contains("<td>[3, 4]</td>"));
}

TEST_CASE("read_logdir: every folder with events files is a run, named by its path") {
  sf_test::temp_dir dir;
  {
    summary::file_writer a(dir / "lenet/train"), b(dir / "lenet/eval"), c(dir / "mlp"), top(dir.path);
    for (int step = 1; step <= 3; ++step) a.add_scalar("loss", 1.0 / step, step);
    b.add_scalar("accuracy", 0.9, 3);
    c.add_histogram("w", std::vector<float>{1, 2, 3}, 5);
    c.add_text("layers", "| a |\n|---|\n| 1 |", 0);
    top.add_scalar("loss", 2.0, 1);
  }
  fs::create_directories(dir / "empty/inside");
  std::ofstream(dir / "notes.txt") << "not events";
  const auto d = summary::read_logdir(dir.path);
  CHECK(d.problems.empty());
  REQUIRE(d.runs.size() == 4);
  CHECK(d.runs[0].name == ".");
  CHECK(d.runs[1].name == "lenet/eval");
  CHECK(d.runs[2].name == "lenet/train");
  CHECK(d.runs[3].name == "mlp");
  const auto& loss = d.runs[2].scalars.at("loss");
  REQUIRE(loss.size() == 3);
  CHECK(loss[2].step == 3);
  CHECK(loss[2].value == Approx(1.0 / 3));
  CHECK(d.runs[1].scalars.at("accuracy").at(0).value == Approx(0.9));
  CHECK(d.runs[3].histograms.at("w").at(0).value.num == 3);
  CHECK(d.runs[3].texts.at("layers").at(0).value == "| a |\n|---|\n| 1 |");
  CHECK_THROWS_AS(summary::read_logdir(dir / "missing"), sf::not_found);
}

TEST_CASE("read_logdir: a restart (SessionLog START at step s) drops what the run logged at steps >= s") {
  sf_test::temp_dir dir;
  {
    summary::file_writer w(dir / "run");
    for (int step = 1; step <= 5; ++step) w.add_scalar("loss", step, step);
    w.add_session_log(summary::session_status::start, 3);  // resumed from the checkpoint of step 3
    for (int step = 3; step <= 4; ++step) w.add_scalar("loss", 10 * step, step);
    w.add_scalar("acc", 0.5, 9), w.add_scalar("acc", 0.7, 6);  // a step below the tag's last one
  }
  const auto d = summary::read_logdir(dir.path);
  REQUIRE(d.runs.size() == 1);
  std::vector<std::pair<std::int64_t, double>> loss, acc;
  for (const auto& p : d.runs[0].scalars.at("loss")) loss.emplace_back(p.step, p.value);
  for (const auto& p : d.runs[0].scalars.at("acc")) acc.emplace_back(p.step, p.value);
  CHECK(loss == std::vector<std::pair<std::int64_t, double>>{{1, 1}, {2, 2}, {3, 30}, {4, 40}});
  REQUIRE(acc.size() == 1);
  CHECK(acc[0].first == 6);
}

TEST_CASE("read_logdir: a truncated events file is reported with its offset, and its valid part read") {
  sf_test::temp_dir dir;
  fs::path path;
  {
    summary::file_writer w(dir / "run");
    path = w.path();
    for (int step = 1; step <= 10; ++step) w.add_scalar("loss", step, step);
  }
  const auto size = fs::file_size(path);
  fs::resize_file(path, size - 5);
  std::vector<std::string> told;
  const auto d = summary::read_logdir(dir.path, [&](const std::string& m) { told.push_back(m); });
  REQUIRE(d.problems.size() == 1);
  CHECK(told == d.problems);
  CHECK_THAT(d.problems[0], Contains(path.string()) && Contains("record at byte ") && Contains("truncated"));
  CHECK(d.runs.at(0).scalars.at("loss").size() == 9);
  // The page lists the problem and still draws the 9 points.
  const std::string html = page(d);
  CHECK_THAT(html, Contains("Problems reading the logs") && Contains(summary::detail::html::escaped(path.string())));
  CHECK_THAT(html, Contains("\"steps\":[1,2,3,4,5,6,7,8,9]"));
}

TEST_CASE("write_report_html: one self-contained page; the data escaped inside its script") {
  summary::report_data d;
  d.logdir = "runs";
  summary::report_run run;
  run.name = "a</script><b>";
  run.scalars["loss"] = {{1, 0, 4.0}, {2, 0, 2.0}};
  run.scalars["</script>"] = {{1, 0, 1.0}};
  run.texts["layers"] = {{0, 0, "| Layer | Param # |\n|---|---:|\n| dense | 7850 |\n\nTotal params: 7850"}};
  run.images["input/image/1"] = {{5, 0, {28, 28, 1, "\x89PNG-b"}}};
  run.images["input/image/0"] = {{5, 0, {28, 28, 1, "\x89PNG-a"}}};
  d.runs.push_back(run);
  const std::string html = page(d, {.title = "T & <t>"});
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK_THAT(html, Contains("<title>T &amp; &lt;t&gt;</title>"));
  // Nothing from the network: no external scripts, styles, images or fonts.
  for (const char* external : {"src=\"http", "href=\"http", "src=\"//", "@import", "url(", "<link"}) {
    INFO(external);
    CHECK(count(html, external) == 0);
  }
  CHECK(count(html, "</script>") == 2);  // the data's own "</script>" are escaped
  CHECK_THAT(html, Contains("\"name\":\"a\\u003c/script\\u003e\\u003cb\\u003e\""));
  // Smoothed at 0.6 beside the raw values: 4, then (0.6 * 1.6 + 0.8) / 0.64 = 2.75.
  CHECK_THAT(html, Contains("\"values\":[4,2],\"smoothed\":[4,2.75]"));
  CHECK_THAT(html, Contains("<table class=\"md\"><thead><tr><th>Layer</th><th class=\"num\">Param #</th></tr></thead>"
                            "<tbody><tr><td>dense</td><td class=\"num\">7850</td></tr></tbody></table><p>Total params: 7850</p>"));
  // Images of one tag grouped, in index order, as data: URIs.
  const auto a = html.find("data:image/png;base64," + summary::detail::html::base64("\x89PNG-a"));
  const auto b = html.find("data:image/png;base64," + summary::detail::html::base64("\x89PNG-b"));
  CHECK(a != std::string::npos);
  CHECK(b != std::string::npos);
  CHECK(a < b);
  CHECK(count(html, "class=\"card images\" data-tag=\"input\"") == 1);
  CHECK_THROWS_AS(page(d, {.smoothing = -0.1}), sf::invalid_argument);
}

TEST_CASE("report helpers: base64, Markdown paragraphs") {
  using summary::detail::html::base64;
  CHECK(base64("") == "");
  CHECK(base64("M") == "TQ==");
  CHECK(base64("Ma") == "TWE=");
  CHECK(base64("Man") == "TWFu");
  CHECK(base64(std::string("\xff\xfe\x00", 3)) == "//4A");
  std::string out;
  summary::detail::html::markdown(out, "a <b>\nc\n\nd");
  CHECK(out == "<p>a &lt;b&gt;<br>c</p><p>d</p>");
}
