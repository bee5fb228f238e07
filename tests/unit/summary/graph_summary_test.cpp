// SPDX-License-Identifier: MIT
/// \file
/// \brief In-graph summaries, TF 1.x style: `summary::scalar` / `histogram` / `text` ops merged
/// with `summary::merge`, run by a session with feeds, and the result given to
/// `file_writer::add_summary`; values checked against hand-worked numbers.

#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <string>
#include <vector>

#include "staticflow/io/protobuf.hpp"
#include "staticflow/io/tfrecord.hpp"
#include "staticflow/staticflow.hpp"
#include "staticflow/summary.hpp"

namespace sf = staticflow;
namespace summary = staticflow::summary;
namespace proto = staticflow::io::proto;

namespace {
struct value_info {
  std::string tag;
  float simple_value = 0;
  double histo_num = 0, histo_sum = 0, histo_min = 0, histo_max = 0;
  bool text = false;
};

std::vector<value_info> decode_summary(std::string_view bytes) {
  std::vector<value_info> out;
  proto::reader r(bytes, "Summary");
  for (proto::field f; r.next(f);) {
    REQUIRE(f.number == 1);
    value_info v;
    proto::reader value = r.message(f);
    for (proto::field g; value.next(g);) {
      if (g.number == 1) v.tag = value.as_string(g);
      if (g.number == 2) v.simple_value = value.as_float(g);
      if (g.number == 8) v.text = true;
      if (g.number != 5) continue;
      proto::reader h = value.message(g);
      for (proto::field k; h.next(k);) {
        if (k.number == 1) v.histo_min = h.as_double(k);
        if (k.number == 2) v.histo_max = h.as_double(k);
        if (k.number == 3) v.histo_num = h.as_double(k);
        if (k.number == 4) v.histo_sum = h.as_double(k);
      }
    }
    out.push_back(v);
  }
  return out;
}
}  // namespace

TEST_CASE("summary ops: scalar, histogram and text merged, run with feeds, written as an Event") {
  sf::graph g;
  auto x = sf::placeholder<float, sf::shape<sf::dyn, 2>, "x">();
  auto w = g.variable<float, sf::shape<2>>("w", sf::init::values({0.5f, -2.0f}));
  sf::session<sf::host> sess(g);
  sess.run(sf::global_variables_initializer());
  const auto loss = sf::reduce_sum(x * w);
  const auto merged = summary::merge(summary::scalar("loss", loss), summary::histogram("w", w),
                                     summary::text("notes", "run 1"));
  sf::tensor<float, sf::shape<sf::dyn, 2>> batch(2);
  const float xs[] = {1, 2, 3, 4};  // loss = 1*0.5 + 2*(-2) + 3*0.5 + 4*(-2) = -10
  for (std::size_t i = 0; i < 4; ++i) batch.data()[i] = xs[i];
  const std::string s = sess.run(merged, sf::feed(x, batch));
  const auto values = decode_summary(s);
  REQUIRE(values.size() == 3);
  CHECK(values[0].tag == "loss");
  CHECK(values[0].simple_value == -10.0f);
  CHECK(values[1].tag == "w");
  CHECK(values[1].histo_num == 2.0);
  CHECK(values[1].histo_sum == -1.5);
  CHECK(values[1].histo_min == -2.0);
  CHECK(values[1].histo_max == 0.5);
  CHECK(values[2].tag == "notes");
  CHECK(values[2].text);

  // The same bytes as the summary built directly.
  std::string direct;
  summary::append_scalar(direct, "loss", -10.0f);
  summary::value_histogram h;
  h.add(0.5), h.add(-2.0);
  summary::append_histogram(direct, "w", h);
  summary::append_text(direct, "notes", "run 1");
  CHECK(s == direct);

  sf_test::temp_dir dir;
  summary::file_writer writer(dir.path);
  writer.add_summary(s, 7);
  writer.close();
  sf::io::tfrecord_reader r(writer.path());
  std::string rec;
  REQUIRE(r.next(rec));  // file_version
  REQUIRE(r.next(rec));
  proto::reader ev(rec, "Event");
  std::int64_t step = 0;
  std::string body;
  for (proto::field f; ev.next(f);) {
    if (f.number == 2) step = ev.as_int64(f);
    if (f.number == 5) body = ev.as_string(f);
  }
  CHECK(step == 7);
  CHECK(body == s);
}
