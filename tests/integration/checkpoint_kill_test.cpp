// SPDX-License-Identifier: MIT
/// \file
/// \brief A process killed (SIGKILL) at random moments while it saves checkpoints in a loop
/// leaves, every time, a latest checkpoint that restores whole and consistent.
///
/// The child resumes from the latest checkpoint, then saves steps s+1, s+2, ... with every
/// element of every variable equal to the step, telling the parent (a byte on a pipe) when its
/// first save begins; the parent kills it a random delay after that (counted from the save,
/// not from the fork: on a busy machine the child's start-up alone can outlast a fixed delay),
/// restores the latest checkpoint into a fresh graph and checks that each variable holds the
/// step in the checkpoint's name. The variables total 4 MiB, so a save takes long enough (data
/// file, fsyncs, index, state file) for most kills to land inside one.
#include <catch2/catch.hpp>
#include "temp_dir.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <random>
#include <string>

#include <staticflow/staticflow.hpp>

namespace sf = staticflow;
namespace fs = std::filesystem;

namespace {

using big = sf::shape<256, 1024>;  // 1 MiB of float32

struct model {
  sf::graph g;
  sf::variable_node<float, big> a = g.variable<float, big>("layer1/weights", sf::init::zeros());
  sf::variable_node<float, big> b = g.variable<float, big>("layer2/weights", sf::init::zeros());
  sf::variable_node<float, big> c = g.variable<float, big>("layer3/weights", sf::init::zeros());
  sf::variable_node<float, big> d = g.variable<float, big>("layer4/weights", sf::init::zeros());
  sf::variable_node<std::int64_t, sf::shape<>> step = g.variable<std::int64_t, sf::shape<>>("global_step", sf::init::zeros(), false);
  sf::session<> sess{g};
};

/// The child: resume, then save forever (never returns; killed by the parent), writing a byte
/// to `ready` before the first save.
[[noreturn]] void save_forever(const fs::path& dir, int ready) {
  model m;
  sf::train::saver saver({.max_to_keep = 3});
  std::int64_t step = 0;
  if (const auto last = sf::train::latest_checkpoint(dir)) {
    saver.restore(m.sess, *last);
    step = m.sess.read_scalar(m.step);
    saver.recover_last_checkpoints(sf::train::get_checkpoint_state(dir)->all_model_checkpoint_paths);
  }
  sf::tensor<float, big> value;
  for (;;) {
    ++step;
    for (std::size_t i = 0; i < value.size(); ++i) value.data()[i] = static_cast<float>(step);
    for (const auto& v : {m.a, m.b, m.c, m.d}) m.sess.assign(v, value);
    sf::tensor<std::int64_t, sf::shape<>> s;
    s.data()[0] = step;
    m.sess.assign(m.step, s);
    if (ready >= 0) {
      [[maybe_unused]] const auto sent = ::write(ready, "s", 1);
      ::close(ready);
      ready = -1;
    }
    saver.save(m.sess, (dir / "model.ckpt").string(), step);
  }
}

/// The step of the restored checkpoint, after checking every element of every variable.
std::int64_t restore_and_check(const std::string& prefix) {
  model m;
  sf::train::saver().restore(m.sess, prefix);
  const std::int64_t step = m.sess.read_scalar(m.step);
  REQUIRE(prefix.ends_with("-" + std::to_string(step)));
  for (const auto& v : {m.a, m.b, m.c, m.d}) {
    const auto t = m.sess.value(v);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < t.size(); ++i) wrong += t.data()[i] != static_cast<float>(step);
    REQUIRE(wrong == 0);
  }
  return step;
}

std::size_t temp_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& f : fs::directory_iterator(dir)) n += f.path().string().find(".tempstate") != std::string::npos;
  return n;
}

}  // namespace

TEST_CASE("SIGKILL at random moments of a save loop leaves the latest checkpoint restorable", "[checkpoint][kill]") {
  sf_test::temp_dir dir;
  std::mt19937_64 rng(20261204);
  std::uniform_int_distribution<int> delay_us(0, 30000);
  std::int64_t last_step = 0;
  std::size_t rounds = 0, mid_save = 0, restored = 0;
  for (; rounds < 200; ++rounds) {
    const std::size_t strays = temp_files(dir.path);
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(pipe_fds[0]);
      try {
        save_forever(dir.path, pipe_fds[1]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "checkpoint_kill_test: the saving child failed: %s\n", e.what());
        ::_exit(3);  // a save that throws is a failure the parent sees as an exit status
      }
    }
    ::close(pipe_fds[1]);
    char byte = 0;
    [[maybe_unused]] const auto got = ::read(pipe_fds[0], &byte, 1);  // 0 bytes: the child died first
    ::close(pipe_fds[0]);
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    INFO("the child's exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
    REQUIRE(WIFSIGNALED(status));  // it was still saving, not dead of an error
    mid_save += temp_files(dir.path) > strays;
    const auto latest = sf::train::latest_checkpoint(dir.path);
    if (!latest) {
      CHECK(last_step == 0);  // only before the very first save completed
      continue;
    }
    const std::int64_t step = restore_and_check(*latest);
    CHECK(step >= last_step);  // never back to an older checkpoint
    last_step = step;
    ++restored;
  }
  INFO("rounds " << rounds << ", restored " << restored << ", killed inside a save " << mid_save << ", last step "
                 << last_step);
  CHECK(restored >= rounds / 2);
  CHECK(mid_save >= rounds / 4);  // the kills did land inside saves
  CHECK(last_step > 0);
}
