// SPDX-License-Identifier: MIT
/// \file
/// \brief Tests of staticflow/summary/training_log.hpp: a classifier's fit writes, record by
/// record, what it reported (loss, accuracy, learning rate, samples/s at the right steps),
/// histograms of each trainable variable and its gradient, sample input images, the graph once, and evaluate's
/// accuracy under eval/; `fit_options::logdir` goes through the registered handler, and without
/// one fit says which header to include; a log directory removed mid-run (one error, training goes on).

#include "staticflow/summary/training_log.hpp"

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <algorithm>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"
#include "staticflow/staticflow.hpp"
#include "staticflow/summary/event_reader.hpp"

namespace sf = staticflow;
namespace nn = staticflow::nn;
namespace summary = staticflow::summary;
namespace proto = staticflow::io::proto;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

using net_t = nn::sequential<nn::input<2, 2, 1>, nn::flatten, nn::dense<3>, nn::relu, nn::dense<2>>;

/// 8 examples of 2x2 pixels, two classes.
sf::data::dataset make_set() {
  std::vector<std::uint8_t> images;
  std::vector<std::uint8_t> labels;
  for (int i = 0; i < 8; ++i) {
    const int c = i % 2;
    for (int p = 0; p < 4; ++p) images.push_back(static_cast<std::uint8_t>(c ? 200 - 10 * p + i : 20 + 15 * p + i));
    labels.push_back(static_cast<std::uint8_t>(c));
  }
  return sf::data::dataset(images, labels, 4, {.one_hot = true, .num_classes = 2});
}

/// One decoded Event: its step, whether it holds a graph (and the graph's node names), and the
/// values of its Summary: scalars by tag, histograms by tag (num, sum).
struct event_info {
  std::int64_t step = 0;
  int session_status = 0;
  std::vector<std::string> graph_nodes;
  bool has_graph = false;
  std::map<std::string, float> scalars;
  std::map<std::string, std::pair<double, double>> histograms;
};

event_info decode(std::string_view bytes) {
  event_info e;
  proto::reader r(bytes, "Event");
  for (proto::field f; r.next(f);) {
    if (f.number == 2) e.step = r.as_int64(f);
    if (f.number == 4) {
      e.has_graph = true;
      proto::reader g = r.message(f);
      for (proto::field n; g.next(n);) {
        if (n.number != 1) continue;
        proto::reader node = g.message(n);
        for (proto::field k; node.next(k);)
          if (k.number == 1) e.graph_nodes.emplace_back(node.as_string(k));
      }
    }
    if (f.number == 7) {
      proto::reader s = r.message(f);
      for (proto::field g; s.next(g);)
        if (g.number == 1) e.session_status = static_cast<int>(s.as_uint64(g));
    }
    if (f.number != 5) continue;
    proto::reader sum = r.message(f);
    for (proto::field v; sum.next(v);) {
      proto::reader value = sum.message(v);
      std::string tag;
      std::optional<float> simple;
      std::optional<std::pair<double, double>> histo;
      for (proto::field g; value.next(g);) {
        if (g.number == 1) tag = value.as_string(g);
        if (g.number == 2) simple = value.as_float(g);
        if (g.number == 5) {
          proto::reader h = value.message(g);
          std::pair<double, double> num_sum{0, 0};
          for (proto::field k; h.next(k);) {
            if (k.number == 3) num_sum.first = h.as_double(k);
            if (k.number == 4) num_sum.second = h.as_double(k);
          }
          histo = num_sum;
        }
      }
      if (simple) e.scalars[tag] = *simple;
      if (histo) e.histograms[tag] = *histo;
    }
  }
  return e;
}

/// The events of the one events file in `dir`, after the file_version record.
std::vector<event_info> read_events(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir)) files.push_back(f.path());
  REQUIRE(files.size() == 1);
  REQUIRE(files[0].filename().string().starts_with("events.out.tfevents."));
  std::vector<event_info> out;
  sf::io::tfrecord_reader r(files[0]);
  std::string rec;
  REQUIRE(r.next(rec));  // file_version
  while (r.next(rec)) out.push_back(decode(rec));
  return out;
}

/// Records what fit reports, then passes it on to a training_log.
class recorder : public nn::fit_observer {
 public:
  explicit recorder(std::shared_ptr<nn::fit_observer> next) : next_(std::move(next)) {}
  void on_start(std::int64_t step, const std::function<std::string()>& graph) override {
    starts.push_back(step);
    next_->on_start(step, graph);
  }
  void on_step(const nn::fit_step_report& r) override {
    reports.push_back(r);
    next_->on_step(r);
  }
  void on_evaluate(double accuracy, std::int64_t step) override {
    evaluations.emplace_back(accuracy, step);
    next_->on_evaluate(accuracy, step);
  }
  void on_end(std::int64_t step) override { next_->on_end(step); }

  std::vector<std::int64_t> starts;
  std::vector<nn::fit_step_report> reports;
  std::vector<std::pair<double, std::int64_t>> evaluations;

 private:
  std::shared_ptr<nn::fit_observer> next_;
};

}  // namespace

TEST_CASE("training_log: train/ holds, step by step, what fit reported; histograms, graph; eval/ the accuracy") {
  sf_test::temp_dir dir;
  auto set = make_set();
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.25), 7, g);
  auto log = std::make_shared<recorder>(
      std::make_shared<summary::training_log>(dir.path, 2, summary::training_log_options{.histogram_every_steps = 4}));
  // 8 examples, batch 2: 4 steps an epoch, 12 in all; a report every 2 steps.
  clf.fit(set, {.epochs = 3, .batch = 2, .progress = false, .log = log, .log_every_steps = 2});
  const double accuracy = clf.evaluate(set);

  REQUIRE(log->starts == std::vector<std::int64_t>{0});
  REQUIRE(log->reports.size() == 6);
  for (std::size_t i = 0; i < log->reports.size(); ++i) {
    CHECK(log->reports[i].step == std::int64_t(2 * (i + 1)));
    CHECK(log->reports[i].learning_rate == 0.25);
    CHECK(std::isfinite(log->reports[i].loss));
    CHECK(log->reports[i].samples_per_sec > 0);
    CHECK(log->reports[i].input_dims.size() == 4);
  }
  // Training lowers the loss: the reports are the real steps' losses, not a constant.
  CHECK(log->reports.back().loss < log->reports.front().loss);
  REQUIRE(log->evaluations.size() == 1);
  CHECK(log->evaluations[0].first == accuracy);
  CHECK(log->evaluations[0].second == 12);

  const auto events = read_events(dir / "train");
  REQUIRE(events.size() >= 2);
  CHECK(events[0].session_status == 1);  // START at step 0
  CHECK(events[0].step == 0);
  // The graph, once: the inference graph from the input placeholder to the logits.
  std::size_t graphs = 0;
  for (const auto& e : events)
    if (e.has_graph) {
      ++graphs;
      CHECK(std::find(e.graph_nodes.begin(), e.graph_nodes.end(), "classifier/x") != e.graph_nodes.end());
      CHECK(e.graph_nodes.size() > 4);
    }
  CHECK(graphs == 1);

  // Scalars: each tag at each reported step, equal (as floats) to what fit reported.
  std::map<std::string, std::vector<std::pair<std::int64_t, float>>> scalars;
  std::map<std::int64_t, std::set<std::string>> histogram_tags;
  std::map<std::string, double> histogram_num;
  for (const auto& e : events) {
    for (const auto& [tag, v] : e.scalars) scalars[tag].emplace_back(e.step, v);
    for (const auto& [tag, h] : e.histograms) histogram_tags[e.step].insert(tag), histogram_num[tag] = h.first;
  }
  CHECK(scalars.size() == 4);
  for (const char* tag : {"loss", "accuracy", "learning_rate", "samples_per_sec"}) {
    INFO(tag);
    REQUIRE(scalars[tag].size() == log->reports.size());
  }
  for (std::size_t i = 0; i < log->reports.size(); ++i) {
    const auto& r = log->reports[i];
    CHECK(scalars["loss"][i].first == r.step);
    CHECK(scalars["loss"][i].second == static_cast<float>(r.loss));
    CHECK(scalars["accuracy"][i].second == static_cast<float>(r.accuracy));
    CHECK(scalars["learning_rate"][i].second == 0.25f);
    CHECK(scalars["samples_per_sec"][i].second == static_cast<float>(r.samples_per_sec));
    CHECK(r.accuracy >= 0.0);
    CHECK(r.accuracy <= 1.0);
  }

  // Histograms at steps 2 (the first report), 4, 8 and 12: each trainable variable and its gradient.
  std::set<std::string> expected;
  for (const auto& v : clf.network().variables())
    if (v->trainable()) expected.insert(v->name()), expected.insert(v->name() + "/gradient");
  REQUIRE(expected.size() == 8);
  CHECK(histogram_tags.size() == 4);
  for (std::int64_t step : {2, 4, 8, 12}) {
    INFO(step);
    CHECK(histogram_tags[step] == expected);
  }
  for (const auto& v : clf.network().variables()) {
    double n = 1;
    for (auto d : v->dims()) n *= double(d);
    CHECK(histogram_num[v->name()] == n);
    CHECK(histogram_num[v->name() + "/gradient"] == n);
  }

  // With the histograms, the batch's first inputs as images: [2, 2, 2, 1], so 2 of them, 2 x 2 grey.
  std::map<std::int64_t, std::vector<std::string>> images;
  for (const auto& file : fs::directory_iterator(dir / "train")) {
    summary::event_file_reader r(file.path());
    for (summary::event_proto e; r.next(e);)
      for (const auto& v : e.values)
        if (v.what == summary::value_proto::kind::image) {
          images[e.step].push_back(v.tag);
          CHECK(v.image.height == 2);
          CHECK(v.image.width == 2);
          CHECK(v.image.colorspace == 1);
          CHECK(v.image.encoded.starts_with("\x89PNG"));
        }
  }
  CHECK(images.size() == 4);
  for (const auto& [step, tags] : images) CHECK(tags == std::vector<std::string>{"input/image/0", "input/image/1"});

  // eval/: evaluate's accuracy at the global step.
  const auto eval = read_events(dir / "eval");
  REQUIRE(eval.size() == 1);
  CHECK(eval[0].step == 12);
  CHECK(eval[0].scalars.at("accuracy") == static_cast<float>(accuracy));
}

TEST_CASE("training_log: the weights' histogram at a step is the weights after that step") {
  sf_test::temp_dir dir;
  auto set = make_set();
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.25), 3, g);
  clf.fit(set, {.epochs = 1, .batch = 2, .progress = false,
                .log = std::make_shared<summary::training_log>(dir.path, 4), .log_every_steps = 4});
  const auto w = clf.get_session().value(std::get<1>(clf.network().parameters()).weights);
  double sum = 0;
  for (std::size_t i = 0; i < w.size(); ++i) sum += double(w.data()[i]);
  const auto name = std::get<1>(clf.network().parameters()).weights.name();
  bool found = false;
  for (const auto& e : read_events(dir / "train"))
    if (e.histograms.count(name)) {
      found = true;
      CHECK(e.step == 4);
      CHECK(e.histograms.at(name).second == Approx(sum).margin(1e-6));
    }
  CHECK(found);
}

TEST_CASE("fit_options::logdir writes train/ and eval/ through the registered training_log") {
  sf_test::temp_dir dir;
  auto set = make_set();
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.1), 5, g);
  clf.fit(set, {.epochs = 2, .batch = 4, .progress = false, .logdir = (dir / "run").string(), .log_every_steps = 1});
  clf.evaluate(set);
  std::size_t losses = 0;
  for (const auto& e : read_events(dir / "run" / "train")) losses += e.scalars.count("loss");
  CHECK(losses == 4);
  CHECK(read_events(dir / "run" / "eval").size() == 1);
  // The layer table once, as Markdown: nn::summary_markdown's text (event_reader.hpp reads it).
  std::vector<std::string> tables;
  for (const auto& file : fs::directory_iterator(dir / "run" / "train")) {
    summary::event_file_reader r(file.path());
    for (summary::event_proto e; r.next(e);)
      for (const auto& v : e.values)
        if (v.tag == "layers" && v.plugin == "text") tables.push_back(v.tensor.strings.at(0));
  }
  REQUIRE(tables.size() == 1);
  CHECK(tables[0] == nn::summary_markdown<net_t>());
  CHECK_THAT(tables[0], Contains("| Layer (type) | Output Shape | Param # |") &&
                            Contains("Total params: " + std::to_string(net_t::parameter_count)));

  SECTION("without the handler, fit names the header to include") {
    auto saved = nn::detail::logdir_observer();
    nn::detail::logdir_observer() = nullptr;
    CHECK_THROWS_WITH(clf.fit(set, {.epochs = 3, .batch = 4, .progress = false, .logdir = (dir / "x").string()}),
                      Contains("staticflow/summary/training_log.hpp"));
    nn::detail::logdir_observer() = saved;
  }
}

TEST_CASE("training_log: a log directory removed mid-run is one error on stderr, and training goes on") {
  sf_test::temp_dir dir;
  auto set = make_set();
  sf::graph g;
  nn::classifier<net_t, sf::train::gradient_descent> clf(sf::train::gradient_descent(0.1), 5, g);
  auto log = std::make_shared<summary::training_log>(dir / "run", 1);
  /// Removes the log directory after the second step's report, as `rm -rf` in another shell would.
  struct remover : nn::fit_observer {
    std::shared_ptr<summary::training_log> next;
    fs::path logdir;
    void on_start(std::int64_t step, const std::function<std::string()>& graph) override { next->on_start(step, graph); }
    void on_step(const nn::fit_step_report& r) override {
      next->on_step(r);
      if (r.step == 2) fs::remove_all(logdir);
    }
    void on_end(std::int64_t step) override {
      last = step;
      next->on_end(step);
    }
    std::int64_t last = 0;
  };
  auto observer = std::make_shared<remover>();
  observer->next = log, observer->logdir = dir / "run";

  // stderr into a file for the length of fit, to count the messages.
  const fs::path err = dir / "stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int file = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(saved >= 0);
  REQUIRE(file >= 0);
  ::dup2(file, 2);
  ::close(file);
  bool threw = false;
  try {
    clf.fit(set, {.epochs = 3, .batch = 4, .progress = false, .log = observer, .log_every_steps = 1});  // 6 steps
  } catch (...) {
    threw = true;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);

  CHECK_FALSE(threw);
  CHECK(observer->last == 6);  // every step trained
  REQUIRE(log->train_writer().error());
  CHECK_THAT(*log->train_writer().error(), Contains("was deleted"));
  std::ifstream in(err);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  std::size_t messages = 0;
  for (std::size_t at = text.find("file_writer:"); at != std::string::npos; at = text.find("file_writer:", at + 1)) ++messages;
  CHECK(messages == 1);
}
