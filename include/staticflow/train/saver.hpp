// SPDX-License-Identifier: MIT
/// \file
/// \brief `train::saver`: TF 1.x's tf.train.Saver over TensorFlow's own checkpoint format (V2
/// tensor bundles, io/tensor_bundle.hpp), its `checkpoint` state file and `PREFIX.meta`, the
/// MetaGraphDef TF's `import_meta_graph` reads (train/saver_graph.hpp).
///
/// ```cpp
/// sf::train::saver saver({.max_to_keep = 5, .keep_checkpoint_every_n_hours = 1});
/// saver.save(sess, "runs/mnist/model.ckpt", global_step);  // runs/mnist/model.ckpt-1000.index, .data-00000-of-00001
/// if (auto last = sf::train::latest_checkpoint("runs/mnist")) saver.restore(sess, *last);
/// ```
/// TensorFlow reads what this writes (`tf.train.load_checkpoint(prefix).get_tensor("w1")`) and
/// this reads what TensorFlow writes, for the dtypes staticflow has.
#pragma once
#ifndef STATICFLOW_TRAIN_SAVER_HPP
#define STATICFLOW_TRAIN_SAVER_HPP

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "staticflow/graph/session.hpp"
#include "staticflow/io/tensor_bundle.hpp"
#include "staticflow/train/checkpoint_state.hpp"
#include "staticflow/train/saver_graph.hpp"

namespace staticflow::train {

/// Options of `saver` (TF's Saver arguments of the same names).
struct saver_options {
  /// Checkpoints kept; older ones are deleted as new ones are saved (0: none are deleted, and
  /// the state file lists only the latest).
  std::size_t max_to_keep = 5;
  /// Besides those, one checkpoint per this many hours is never deleted.
  double keep_checkpoint_every_n_hours = 10000.0;
  /// The state file's name in the checkpoint directory.
  std::string latest_filename = "checkpoint";
  /// fsync every file before it is renamed into place (see io::atomic_file).
  bool sync = true;
  /// Write `PREFIX.meta` beside each checkpoint (TF's save(write_meta_graph=True)): the
  /// MetaGraphDef of train/saver_graph.hpp.
  bool write_meta_graph = true;
  /// Seconds since the epoch, for the state file's timestamps and keep_checkpoint_every_n_hours
  /// (tests replace it; empty: the system clock).
  std::function<double()> clock = {};
};

/// Saves and restores a graph's variables, with the session's optimiser slots, as TF 1.x's
/// tf.train.Saver does.
///
/// Without a var_list every variable of the session's graph is saved under its name (scopes
/// included: "layer1/weights"), with each optimiser slot under TF's slot name ("w/Adam",
/// "w/Adam_1", "w/Momentum", ...) and Adam's power accumulators ("beta1_power",
/// "beta2_power"). Restoring loads every variable (each must be there) and the slots that are;
/// slots the session has not made yet (a new process, before its first training step) are kept
/// and loaded when it makes them, so training resumes where it stopped. A var_list restricts
/// both to the variables listed; a map from checkpoint names to variables also renames them
/// (TF's `Saver({"old/name": var})`, and `moving_average_op::variables_to_restore()`).
///
/// **Saves are atomic:** the data file, then the index, are written beside their place, fsynced
/// and renamed; the state file is updated last. A process killed at any moment leaves the
/// previous checkpoint restorable (an interrupted save leaves at most a stray
/// "*.tempstate<n>" file). Saving twice to the same prefix without a global step replaces the
/// data file before the index, so a crash between the two leaves a mismatched pair that restore
/// reports as data_loss: use global-step suffixes for resumable runs.
///
/// **Errors:** save: an uninitialised variable (failed_precondition), a file that cannot be
/// written (internal_error). Restore, naming the checkpoint and the tensor: no checkpoint at the
/// prefix, or a variable missing from it with the closest names it holds (not_found); a dtype or
/// shape that differs, both shown (invalid_argument); a CRC mismatch, a truncated or corrupt
/// file (data_loss).
class saver {
 public:
  explicit saver(saver_options o = {}) : options_(std::move(o)) { start(); }
  /// Saves and restores only these variables: a `std::vector<var_ref>` under their names, or a
  /// `std::map<std::string, var_ref>` under the names given (checkpoint name -> variable). (A
  /// template, so that a braced list of options never reads as a var_list.)
  template <class List>
    requires std::same_as<List, std::vector<var_ref>> || std::same_as<List, std::map<std::string, var_ref>>
  explicit saver(const List& var_list, saver_options o = {}) : options_(std::move(o)) {
    if constexpr (std::same_as<List, std::vector<var_ref>>) {
      for (const auto& v : var_list) add(v->name(), v);
    } else {
      for (const auto& [name, v] : var_list) add(name, v);
    }
    start();
  }

  /// Writes a checkpoint at `prefix` ("-<global_step>" appended when given), records it in the
  /// state file of its directory and deletes checkpoints beyond max_to_keep. Returns the prefix
  /// written ("runs/mnist/model.ckpt-1000").
  template <class P>
  std::string save(session<P>& s, const std::string& prefix, std::optional<std::int64_t> global_step = {}) {
    return save_state(s.effective_state(), s.get_graph(), prefix, global_step);
  }
  template <class P>
  std::string save(session<P>& s, const std::string& prefix, const variable_node<std::int64_t, shape<>>& global_step) {
    return save(s, prefix, std::optional<std::int64_t>(s.read_scalar(global_step)));
  }

  /// Loads the checkpoint at `prefix` into the session's variables (and optimiser slots).
  template <class P>
  void restore(session<P>& s, const std::string& prefix) {
    restore_state(s.effective_state(), s.get_graph(), prefix);
  }

  /// The model graph `PREFIX.meta` holds (e.g. `sf::export_graph(loss, accuracy)`), to which
  /// each save adds the saved variables and the save and restore ops. Without one the file
  /// holds only those.
  void set_meta_graph(io::graphdef::graph_def model) { model_ = std::move(model); }

  /// The checkpoints this saver keeps, oldest first (TF's last_checkpoints).
  std::vector<std::string> last_checkpoints() const {
    std::vector<std::string> out;
    for (const auto& [path, time] : last_) out.push_back(path);
    return out;
  }
  /// Takes over checkpoints an earlier process saved (TF's recover_last_checkpoints), so that
  /// max_to_keep goes on counting them; those whose index is gone are dropped.
  void recover_last_checkpoints(const std::vector<std::string>& paths) {
    for (const auto& p : paths) {
      std::error_code ec;
      if (std::filesystem::exists(io::bundle::index_filename(p), ec)) last_.emplace_back(p, now());
    }
  }

 private:
  /// A host buffer reused across tensors and grown without zero-filling, since every byte is
  /// overwritten: a fresh zeroed vector per call was a third of a 1.6 MB restore.
  class staging {
   public:
    std::byte* get(std::size_t n) {
      if (n > size_) data_ = std::make_unique_for_overwrite<std::byte[]>(size_ = n);
      return data_.get();
    }

   private:
    std::unique_ptr<std::byte[]> data_;
    std::size_t size_ = 0;
  };

  struct item {
    std::string name;
    const variable_base* var = nullptr;  ///< a variable, or
    const void* slot = nullptr;          ///< an optimiser slot of `var`'s dtype and size, or
    double power = 0;                    ///< a power accumulator (scalar, `var`'s float dtype)
  };

  void add(const std::string& name, const var_ref& v) {
    if (!list_.emplace(name, &v.get()).second)
      staticflow::detail::fail<invalid_argument>({"sf::train::saver: the name '", name, "' appears twice in var_list"});
  }
  void start() { last_preserved_ = now(); }
  double now() const {
    if (options_.clock) return options_.clock();
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  /// What this saver writes from `state`, in name order.
  std::map<std::string, item> items(session_state& state, const graph& g) const {
    std::map<std::string, item> out;
    if (!list_.empty()) {
      for (const auto& [name, v] : list_) out[name] = {name, v};
      return out;
    }
    for (const auto& v : g.global_variables()) out[v->name()] = {v->name(), v.get()};
    for (const auto& o : state.optimizer_state()) {
      for (const auto& [name, data] : o.slots) out.try_emplace(name, item{name, o.var, data});
      for (const auto& [name, base] : o.powers)
        out.try_emplace(name, item{name, o.var, nullptr, std::pow(base, static_cast<double>(*o.updates + 1))});
    }
    return out;
  }

  /// (A template over the state, so that a program that never saves compiles none of it: the
  /// MetaGraphDef's encoders are only instantiated here.)
  template <class State>
  std::string save_state(State& state, const graph& g, const std::string& prefix, std::optional<std::int64_t> step) {
    const std::string path = step ? prefix + "-" + std::to_string(*step) : prefix;
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    io::bundle::writer w(path, options_.sync);
    staging host;
    std::vector<saved_tensor> saved;
    for (const auto& [name, it] : items(state, g)) {
      const variable_base& v = *it.var;
      if (v.owner() != &g)
        staticflow::detail::fail<invalid_argument>({"sf::train::saver::save: variable '", v.name(),
                                                    "' belongs to another graph than the session's"});
      if (it.slot == nullptr && it.power == 0 && !state.is_initialized(v))
        staticflow::detail::fail<failed_precondition>({"sf::train::saver::save: attempting to save uninitialized variable '",
                                                       v.name(), "'; run sf::global_variables_initializer() first"});
      if (it.power != 0) {
        write_power(w, name, v.type(), it.power);
        saved.push_back({name, name, power_dtype(v.type()), {}});
        continue;
      }
      const void* bytes = it.slot ? it.slot : state.value_slot(v).data;
      if (!state.host_memory()) state.download(host.get(v.bytes()), bytes, v.bytes()), bytes = host.get(v.bytes());
      w.add(name, io::bundle::to_tf(v.type()), v.dims(), bytes, v.bytes());
      saved.push_back({name, it.slot ? name : v.name(), io::bundle::to_tf(v.type()), v.dims()});
    }
    w.finish();
    // After the checkpoint, before the state file names it: a crash in between leaves a
    // restorable checkpoint whose .meta may be missing, never a .meta without its checkpoint.
    if (options_.write_meta_graph)
      saver_meta_graph(model_, saved, static_cast<std::int32_t>(options_.max_to_keep),
                       static_cast<float>(options_.keep_checkpoint_every_n_hours))
          .write(path + ".meta", options_.sync);
    record(path, dir);
    return path;
  }
  static io::bundle::tf_dtype power_dtype(dtype t) {
    return t == dtype::float64 ? io::bundle::tf_dtype::float64 : io::bundle::tf_dtype::float32;
  }
  static void write_power(io::bundle::writer& w, const std::string& name, dtype t, double value) {
    if (t == dtype::float64) return w.add(name, io::bundle::tf_dtype::float64, {}, &value, sizeof value);
    const float f = static_cast<float>(value);
    w.add(name, io::bundle::tf_dtype::float32, {}, &f, sizeof f);
  }

  /// TF's _RecordLastCheckpoint, update_checkpoint_state and _MaybeDeleteOldCheckpoints.
  void record(const std::string& path, const std::filesystem::path& dir) {
    const double t = now();
    std::erase_if(last_, [&](const auto& c) { return c.first == path; });
    last_.emplace_back(path, t);
    std::vector<std::pair<std::string, double>> expired;
    if (options_.max_to_keep == 0) {
      last_.erase(last_.begin(), last_.end() - 1);  // listed no more, deleted never
    } else {
      while (last_.size() > options_.max_to_keep) expired.push_back(last_.front()), last_.erase(last_.begin());
    }
    checkpoint_state st;
    st.model_checkpoint_path = relative(path, dir);
    for (const auto& [p, time] : last_) {
      st.all_model_checkpoint_paths.push_back(relative(p, dir));
      st.all_model_checkpoint_timestamps.push_back(time);
    }
    st.last_preserved_timestamp = last_preserved_;
    write_checkpoint_state(dir.empty() ? std::filesystem::path(".") : dir, st, options_.latest_filename, options_.sync);
    for (const auto& [p, time] : expired) {
      if (options_.keep_checkpoint_every_n_hours > 0 &&
          time - options_.keep_checkpoint_every_n_hours * 3600.0 >= last_preserved_) {
        last_preserved_ = time;  // kept for good
        continue;
      }
      delete_checkpoint(p);
    }
  }
  static std::string relative(const std::string& path, const std::filesystem::path& dir) {
    const std::filesystem::path p(path);
    return p.parent_path() == dir ? p.filename().string() : path;
  }
  /// Removes a checkpoint's index, data and meta files.
  static void delete_checkpoint(const std::string& prefix) {
    const std::filesystem::path p(prefix);
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    const std::string base = p.filename().string();
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
      const std::string name = f.path().filename().string();
      if (name == base + ".index" || name == base + ".meta" || name.rfind(base + ".data-", 0) == 0)
        std::filesystem::remove(f.path(), ec);
    }
  }

  void restore_state(session_state& state, const graph& g, const std::string& prefix) const {
    const io::bundle::reader r(prefix);  // not_found naming the file when there is no checkpoint
    staging host;  // not the slot itself: a tensor failing its CRC leaves its variable as it was
    std::map<std::string, const variable_base*> wanted;
    if (list_.empty()) {
      for (const auto& v : g.global_variables()) wanted[v->name()] = v.get();
    } else {
      wanted = list_;
    }
    for (const auto& [name, v] : wanted) {
      check(r, name, *v);
      std::byte* bytes = host.get(v->bytes());
      r.read(name, bytes, v->bytes());
      auto& slot = state.value_slot(*v);
      state.upload(slot.data, bytes, v->bytes());
      slot.initialized = true;
    }
    if (list_.empty()) restore_slots(state, g, r);
  }

  /// The checkpoint's optimiser slots and power accumulators: loaded into the slots the session
  /// has, kept for those it makes later.
  static void restore_slots(session_state& state, const graph& g, const io::bundle::reader& r) {
    std::map<std::string, const variable_base*> vars;
    for (const auto& v : g.global_variables()) vars[v->name()] = v.get();
    for (const auto& [name, e] : r.entries()) {
      if (vars.count(name)) continue;
      const auto slash = name.rfind('/');
      if (slash != std::string::npos && vars.count(name.substr(0, slash))) {
        const variable_base& v = *vars.at(name.substr(0, slash));
        if (e.size != v.bytes() || e.dtype != io::bundle::to_tf(v.type())) continue;  // not a slot of v
        std::string bytes(v.bytes(), '\0');
        r.read(name, bytes.data(), bytes.size());
        state.restored_slots()[name] = std::move(bytes);
      } else if (e.shape.empty() && (e.dtype == io::bundle::tf_dtype::float32 || e.dtype == io::bundle::tf_dtype::float64)) {
        double value = 0;
        if (e.dtype == io::bundle::tf_dtype::float32) {
          float f = 0;
          r.read(name, &f, sizeof f);
          value = f;
        } else {
          r.read(name, &value, sizeof value);
        }
        state.restored_powers()[name] = value;
      }
    }
    state.take_restored();  // the slots that exist already
  }

  static void check(const io::bundle::reader& r, const std::string& name, const variable_base& v) {
    const io::bundle::entry* e = r.find(name);
    if (!e) {
      std::string near;
      for (const auto& n : r.closest(name)) near += (near.empty() ? "'" : ", '") + n + "'";
      staticflow::detail::fail<not_found>({"sf::train::saver::restore: '", r.prefix(), "' has no tensor '", name,
                                           "' (for variable '", v.name(), "'); the closest names it holds: ",
                                           near.empty() ? std::string("none") : near});
    }
    if (e->dtype != io::bundle::to_tf(v.type()) || e->shape != v.dims())
      staticflow::detail::fail<invalid_argument>({"sf::train::saver::restore: '", r.prefix(), "', tensor '", name,
                                                  "' is ", io::bundle::tf_dtype_name(e->dtype), " ",
                                                  io::bundle::shape_string(e->shape), " but variable '", v.name(),
                                                  "' is ", v.dtype_name(), " ", io::bundle::shape_string(v.dims())});
  }

  saver_options options_;
  std::map<std::string, const variable_base*> list_;  ///< empty: every variable of the graph, and the slots
  io::graphdef::graph_def model_;                     ///< the model graph of `PREFIX.meta`
  std::vector<std::pair<std::string, double>> last_;  ///< kept checkpoints and their times, oldest first
  double last_preserved_ = 0;
};

}  // namespace staticflow::train
#endif  // STATICFLOW_TRAIN_SAVER_HPP
