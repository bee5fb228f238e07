// SPDX-License-Identifier: MIT
/// \file
/// \brief `sf::summary::file_writer`: TensorBoard's events file, written by a background thread.
///
/// One file per writer, `<logdir>/events.out.tfevents.<secs>.<hostname>` (TF 1.x's
/// `%010d` seconds since the epoch), TFRecord-framed (`io/tfrecord.hpp`); its first record is
/// the Event `file_version: "brain.Event:2"`. Several writers in sub-folders of one log
/// directory (`logs/train`, `logs/eval`) are the runs TensorBoard shows side by side.
///
/// The `add_*` calls encode their Event on the caller's thread and queue it; one thread
/// (`data/worker.hpp`) writes the queue and flushes the file every `flush_secs`, when `max_queue`
/// events wait, and on `flush()` / `close()`. The caller waits only when `max_queue` events are
/// already queued while the thread is still writing the ones before (TF's EventFileWriter waits
/// there too): file I/O never runs on the training thread.
///
/// A file system error (the log directory removed, a full disk) never reaches the training
/// loop: the first one is printed once to stderr and kept (`error()`), and the events after it
/// are counted in `dropped()` and discarded. As in TF's EventsWriter, each flush checks that the
/// file still exists, since on POSIX writing to a deleted file succeeds silently.
#pragma once
#ifndef STATICFLOW_SUMMARY_FILE_WRITER_HPP
#define STATICFLOW_SUMMARY_FILE_WRITER_HPP

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <unistd.h>

#include "staticflow/core/error.hpp"
#include "staticflow/data/worker.hpp"
#include "staticflow/io/tfrecord.hpp"
#include "staticflow/summary/audio.hpp"
#include "staticflow/summary/event.hpp"
#include "staticflow/summary/histogram.hpp"

namespace staticflow::summary {

/// A serialized Summary of the images of `images` ([N, H, W, C] or [H, W, C], uint8 or float
/// in [0, 1]): defined in `staticflow/summary/image.hpp`, which needs libpng (link
/// `staticflow::png`). Without that include, `add_image` fails to link naming this function.
template <class Tensor>
std::string image_summary(std::string_view tag, const Tensor& images, std::size_t max_outputs);

/// Options of file_writer (TF 1.x's FileWriter arguments).
struct file_writer_options {
  std::size_t max_queue = 10;  ///< events queued before the thread writes them
  double flush_secs = 120;     ///< the longest an event waits before the file is flushed
  std::string filename_suffix = {};  ///< appended to the file name
};

namespace detail {

/// Seconds since the epoch, as a double (Event.wall_time).
inline double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The machine's name, as TF 1.x's `socket.gethostname()` puts it in file names.
inline std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

/// `events.out.tfevents.<%010d secs>.<host><suffix>`, with `.1`, `.2`, ... added when two
/// writers open the same folder within one second.
inline std::filesystem::path events_file_path(const std::filesystem::path& logdir, double wall_time,
                                              std::string_view suffix) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%010lld", static_cast<long long>(wall_time));
  const std::string base = std::string("events.out.tfevents.") + secs + "." + hostname() + std::string(suffix);
  std::filesystem::path p = logdir / base;
  std::error_code ec;
  for (int i = 1; std::filesystem::exists(p, ec); ++i) p = logdir / (base + "." + std::to_string(i));
  return p;
}

/// What the adding threads and the writing thread share.
struct writer_state {
  std::mutex mutex;
  std::condition_variable work;     // the writer thread waits here
  std::condition_variable space;    // adders wait here while the queue is full
  std::condition_variable flushed;  // flush() waits here
  std::deque<std::string> pending;  // framed by the writer thread
  std::size_t max_queue = 10;
  std::chrono::duration<double> flush_period{120.0};
  std::unique_ptr<io::tfrecord_writer> file;
  std::uint64_t flush_asked = 0, flush_done = 0;
  std::uint64_t written = 0, dropped = 0;
  bool stop = false;
  std::optional<std::string> error;

  /// Keeps the first error and says so once on stderr; the writer carries on discarding.
  void fail(std::string message) {
    std::lock_guard lock(mutex);
    if (error) return;
    std::fprintf(stderr, "staticflow::summary::file_writer: %s; the events that follow are dropped\n", message.c_str());
    error = std::move(message);
    space.notify_all();
    flushed.notify_all();
  }

  /// Writes a batch and, when due, flushes; every error becomes `fail`.
  void write_batch(std::deque<std::string>& batch, bool flush_now) {
    if (has_failed()) return discard(batch.size());
    try {
      for (const auto& event : batch) file->write(event);
      if (flush_now) flush_file();
      std::lock_guard lock(mutex);
      written += batch.size();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }

  void flush_file() {
    file->flush();
    std::error_code ec;
    if (!std::filesystem::exists(file->path(), ec))
      staticflow::detail::fail<not_found>({"the events file ", file->path().string(), " was deleted (was its log directory removed?)"});
  }

  bool has_failed() {
    std::lock_guard lock(mutex);
    return error.has_value();
  }
  void discard(std::size_t n) {
    std::lock_guard lock(mutex);
    dropped += n;
  }

  /// The thread's body: wait for work or the flush period, write, repeat until stopped.
  void run() {
    auto next_flush = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(flush_period);
    std::unique_lock lock(mutex);
    for (;;) {
      work.wait_until(lock, next_flush, [&] { return stop || pending.size() >= max_queue || flush_asked > flush_done; });
      std::deque<std::string> batch = std::exchange(pending, {});
      const std::uint64_t asked = flush_asked;
      const bool stopping = stop;
      space.notify_all();
      lock.unlock();
      const auto now = std::chrono::steady_clock::now();
      const bool flush_now = stopping || asked > flush_done || now >= next_flush;
      write_batch(batch, flush_now);
      if (flush_now) next_flush = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(flush_period);
      lock.lock();
      flush_done = asked;
      flushed.notify_all();
      if (stopping && pending.empty()) break;
    }
    lock.unlock();
    close_file();
  }

  void close_file() {
    try {
      if (!has_failed()) file->close();
    } catch (const std::exception& e) {
      fail(e.what());
    }
    file.reset();
  }
};

}  // namespace detail

/// Writes one TensorBoard events file (see the file comment).
///
/// **Errors**: the constructor throws not_found when the folder cannot be created, and what
/// `tfrecord_writer` throws (not_found, internal_error) when the file cannot be opened; `add_histogram` / `add_image` throw
/// invalid_argument for values TF rejects (NaN, infinity) on the caller's thread. Later file
/// errors never throw: see `error()`.
///
/// **Example:**
/// ```
///   sf::summary::file_writer train("logs/train"), eval("logs/eval");
///   train.add_scalar("loss", loss, step);
///   train.add_histogram("fc1/weights", w.span(), step);
/// ```
class file_writer {
 public:
  explicit file_writer(const std::filesystem::path& logdir, const file_writer_options& options = {})
      : state_(std::make_shared<detail::writer_state>()) {
    if (options.max_queue == 0) staticflow::detail::fail<invalid_argument>({"sf::summary::file_writer: max_queue must be at least 1"});
    if (!(options.flush_secs > 0 && options.flush_secs <= 1e9))  // (the clock's range; also rejects NaN)
      staticflow::detail::fail<invalid_argument>({"sf::summary::file_writer: flush_secs must lie in (0, 1e9], got ",
                                                  options.flush_secs});
    std::error_code ec;
    std::filesystem::create_directories(logdir, ec);
    if (ec)
      staticflow::detail::fail<not_found>({"sf::summary::file_writer: cannot create the log directory '", logdir.string(),
                                           "': ", ec.message()});
    const double now = detail::wall_time_now();
    path_ = detail::events_file_path(logdir, now, options.filename_suffix);
    state_->max_queue = options.max_queue;
    state_->flush_period = std::chrono::duration<double>(options.flush_secs);
    state_->file = std::make_unique<io::tfrecord_writer>(path_);
    state_->file->write(encode_file_version_event(now));
    state_->file->flush();  // TensorBoard sees the run as soon as the writer exists
    thread_ = data::worker([s = state_] { s->run(); }, [s = state_] { request_stop(*s); });
  }

  file_writer(const file_writer&) = delete;
  file_writer& operator=(const file_writer&) = delete;
  ~file_writer() { close(); }

  /// The events file.
  const std::filesystem::path& path() const noexcept { return path_; }

  /// A scalar (`simple_value`, stored as a float as TF does).
  void add_scalar(std::string_view tag, double value, std::int64_t step) {
    std::string s;
    append_scalar(s, tag, static_cast<float>(value));
    add_summary(s, step);
  }

  /// A histogram of `values` (a span, a container or a host tensor) over TF's default buckets.
  template <class Values>
  void add_histogram(std::string_view tag, const Values& values, std::int64_t step) {
    value_histogram h;
    h.add_all(as_span(values), tag);
    std::string s;
    append_histogram(s, tag, h);
    add_summary(s, step);
  }

  /// Up to `max_outputs` PNG images of `images` (needs `staticflow/summary/image.hpp`).
  template <class Tensor>
  void add_image(std::string_view tag, const Tensor& images, std::int64_t step, std::size_t max_outputs = 3) {
    add_summary(image_summary(tag, images, max_outputs), step);
  }

  /// Up to `max_outputs` 16-bit WAV clips of a float tensor [N, frames, channels] or [N, frames].
  template <class Tensor>
  void add_audio(std::string_view tag, const Tensor& clips, float sample_rate, std::int64_t step,
                 std::size_t max_outputs = 3) {
    add_summary(audio_summary(tag, clips, sample_rate, max_outputs), step);
  }

  /// A text summary (TensorBoard's Text tab; Markdown).
  void add_text(std::string_view tag, std::string_view text, std::int64_t step) {
    std::string s;
    append_text(s, tag, text);
    add_summary(s, step);
  }

  /// A serialized Summary (what a merged summary op's run returns).
  void add_summary(std::string_view serialized_summary, std::int64_t step) {
    add_event(encode_summary_event(detail::wall_time_now(), step, serialized_summary));
  }

  /// A serialized GraphDef (`sf::export_graph(...).serialize()`) for TensorBoard's graph tab.
  void add_graph(std::string_view serialized_graph_def, std::int64_t step = 0) {
    add_event(encode_graph_event(detail::wall_time_now(), step, serialized_graph_def));
  }

  /// A SessionLog: START when training starts or resumes (TensorBoard then hides the events of
  /// later steps from an earlier, crashed run), CHECKPOINT when a checkpoint is saved.
  void add_session_log(session_status status, std::int64_t step, std::string_view checkpoint_path = {},
                       std::string_view msg = {}) {
    add_event(encode_session_log_event(detail::wall_time_now(), step, status, checkpoint_path, msg));
  }

  /// Queues one serialized Event.
  void add_event(std::string event) {
    auto& s = *state_;
    std::unique_lock lock(s.mutex);
    s.space.wait(lock, [&] { return s.pending.size() < s.max_queue || s.stop || s.error; });
    if (s.stop || s.error) {
      ++s.dropped;
      return;
    }
    s.pending.push_back(std::move(event));
    if (s.pending.size() >= s.max_queue) s.work.notify_one();
  }

  /// Waits until every event added so far is in the file and the file is flushed (or the
  /// writer has failed: see `error()`).
  void flush() {
    auto& s = *state_;
    std::unique_lock lock(s.mutex);
    if (s.stop || s.error) return;
    const std::uint64_t ticket = ++s.flush_asked;
    s.work.notify_one();
    s.flushed.wait(lock, [&] { return s.flush_done >= ticket || s.error; });
  }

  /// Writes what is queued, closes the file and ends the thread. Never throws: see `error()`.
  void close() {
    if (!thread_.joinable()) return;
    request_stop(*state_);
    thread_.join();
  }

  /// The first file error, if there was one.
  std::optional<std::string> error() const {
    std::lock_guard lock(state_->mutex);
    return state_->error;
  }
  /// Events in the file, not counting the file_version record (after a flush, all added so far).
  std::uint64_t written() const {
    std::lock_guard lock(state_->mutex);
    return state_->written;
  }
  /// Events discarded after an error or after close().
  std::uint64_t dropped() const {
    std::lock_guard lock(state_->mutex);
    return state_->dropped;
  }

 private:
  static void request_stop(detail::writer_state& s) {
    std::lock_guard lock(s.mutex);
    s.stop = true;
    s.work.notify_one();
    s.space.notify_all();
  }

  template <class Values>
  static auto as_span(const Values& values) {
    if constexpr (requires { values.span(); }) {
      return std::span<const std::remove_cvref_t<decltype(*values.span().data())>>(values.span());
    } else {
      return std::span<const typename Values::value_type>(values);
    }
  }

  std::shared_ptr<detail::writer_state> state_;
  std::filesystem::path path_;
  data::worker thread_;
};

}  // namespace staticflow::summary
#endif  // STATICFLOW_SUMMARY_FILE_WRITER_HPP
