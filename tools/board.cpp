// SPDX-License-Identifier: MIT
/// \file
/// \brief `staticflow-board`: a log directory's TensorBoard events as one HTML page that opens
/// in any browser, offline (`staticflow/summary/report_html.hpp` says what it shows).
///
/// Usage: staticflow-board LOGDIR [-o FILE] [--smoothing W] [--title TEXT]
///                        [--max-image-steps N] [--max-histogram-steps N]
///
/// Every folder under LOGDIR holding `*tfevents*` files is a run (`runs/lenet/train`,
/// `runs/lenet/eval`, `runs/mlp/train`, ...). The page goes to FILE (default `board.html`).
/// A corrupt or truncated events file is reported on stderr (file and byte offset) and listed
/// on the page; everything valid around it is still shown. Exit status: 0 when the page was
/// written, 1 when LOGDIR holds no events files or cannot be read, 2 for bad arguments.
#include <staticflow/summary/report_html.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

namespace sf = staticflow;
namespace summary = staticflow::summary;

namespace {

struct options {
  std::string logdir, output = "board.html";
  summary::report_html_options html;
};

[[noreturn]] void usage(int status) {
  std::fputs(
      "usage: staticflow-board LOGDIR [-o FILE] [--smoothing W] [--title TEXT]\n"
      "                        [--max-image-steps N] [--max-histogram-steps N]\n"
      "Writes LOGDIR's TensorBoard events (every folder with *tfevents* files is a run) as one\n"
      "self-contained HTML page, FILE (default board.html). --smoothing: TensorBoard's scalar\n"
      "smoothing weight in [0, 1] (default 0.6).\n",
      status ? stderr : stdout);
  std::exit(status);
}

[[noreturn]] void bad(const std::string& what) {
  std::fprintf(stderr, "staticflow-board: %s\n", what.c_str());
  usage(2);
}

std::size_t count_of(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const unsigned long n = std::stoul(v, &used);
    if (used == v.size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  bad(flag + " needs a positive count, got '" + v + "'");
}

options parse(int argc, char** argv) {
  options o;
  o.html.title = "";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) bad(a + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(0);
    } else if (a == "-o" || a == "--output") {
      o.output = value();
    } else if (a == "--title") {
      o.html.title = value();
    } else if (a == "--smoothing") {
      const std::string v = value();
      char* end = nullptr;
      o.html.smoothing = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(o.html.smoothing >= 0 && o.html.smoothing <= 1))
        bad("--smoothing needs a weight in [0, 1], got '" + v + "'");
    } else if (a == "--max-image-steps") {
      o.html.max_image_steps = count_of(a, value());
    } else if (a == "--max-histogram-steps") {
      o.html.max_histogram_steps = count_of(a, value());
    } else if (a.starts_with("-") && a.size() > 1) {
      bad("unknown flag " + a);
    } else if (o.logdir.empty()) {
      o.logdir = a;
    } else {
      bad("one LOGDIR only (got '" + o.logdir + "' and '" + a + "')");
    }
  }
  if (o.logdir.empty()) bad("no LOGDIR given");
  if (o.html.title.empty()) o.html.title = "staticflow board: " + o.logdir;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  try {
    const summary::report_data data =
        summary::read_logdir(o.logdir, [](const std::string& problem) { std::fprintf(stderr, "%s\n", problem.c_str()); });
    if (data.runs.empty()) {
      std::fprintf(stderr, "staticflow-board: no events files (*tfevents*) under '%s'\n", o.logdir.c_str());
      return 1;
    }
    std::ofstream out(o.output, std::ios::binary);
    if (!out) throw sf::not_found("staticflow-board: cannot write '" + o.output + "'");
    summary::write_report_html(out, data, o.html);
    out.close();
    if (!out) throw sf::internal_error("staticflow-board: writing '" + o.output + "' failed");
    std::size_t scalars = 0, histograms = 0, images = 0;
    for (const auto& run : data.runs) scalars += run.scalars.size(), histograms += run.histograms.size(), images += run.images.size();
    const std::string problems =
        data.problems.empty() ? ""
                              : ", " + std::to_string(data.problems.size()) +
                                    (data.problems.size() == 1 ? " problem" : " problems") + " (listed above and on the page)";
    std::printf("staticflow-board: wrote %s: %zu runs, %zu scalar, %zu histogram and %zu image tags%s\n", o.output.c_str(),
                data.runs.size(), scalars, histograms, images, problems.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
