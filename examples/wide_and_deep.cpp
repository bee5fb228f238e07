// SPDX-License-Identifier: MIT
/// \file
/// \brief A wide & deep classifier (TF's DNNLinearCombinedClassifier) on real tabular data: the
/// German credit data (1000 applicants, good or bad risk; `scripts/fetch-tabular` takes it out of
/// Debian's weka package). Feature columns turn the records into two dense inputs: the wide part
/// is linear over bucketized, categorical and crossed columns (memorisation), the deep part a
/// small network over normalised numbers and one-hot categories (generalisation); their logits
/// add; two categorical columns enter the deep part as trained embeddings (`embedding_column`,
/// whose gradients update only the rows a batch touched). The rows are split by a seed; the
/// test rows' accuracy and AUC are printed.
///
/// Usage: wide_and_deep [--data data/tabular/credit-g.arff] [--seed 1] [--epochs 40]
///                      [--write-split FILE]   (the test rows' indices, for an independent baseline:
///                                              benchmarks/compare/wide_and_deep_baseline.py)
///                      [--expect-auc A]       (exit status 2 when the test AUC is below A)
#include <staticflow/staticflow.hpp>
#include <staticflow/features.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace sf = staticflow;
namespace fc = staticflow::features;
namespace nn = staticflow::nn;

namespace {

struct options {
  std::string data = "data/tabular/credit-g.arff";
  std::string write_split;
  std::uint64_t seed = 1;
  std::size_t epochs = 40;
  double learning_rate = 0.003, l2 = 0.01;
  double expect_auc = 0;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw sf::invalid_argument("wide_and_deep: flag " + flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--data") o.data = v;
    else if (flag == "--seed") o.seed = std::stoull(v);
    else if (flag == "--epochs") o.epochs = std::stoul(v);
    else if (flag == "--write-split") o.write_split = v;
    else if (flag == "--expect-auc") o.expect_auc = std::stod(v);
    else if (flag == "--learning-rate") o.learning_rate = std::stod(v);
    else if (flag == "--l2") o.l2 = std::stod(v);
    else throw sf::invalid_argument("wide_and_deep: unknown flag " + flag);
  }
  return o;
}

/// A numeric column standardised with the training rows' mean and standard deviation.
fc::numeric_column_t<1> standardised(const std::string& key, const fc::feature_batch& train) {
  const auto& v = train.get<float>(key, key);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  double var = 0;
  for (const float x : v) var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / double(v.size())) + 1e-6;
  return fc::numeric_column(key, [mean, sd](float x) { return static_cast<float>((x - mean) / sd); });
}

/// Area under the ROC curve: the chance a random bad-risk row scores above a random good one
/// (ties count half), by ranks.
double auc(const std::vector<float>& score, const std::vector<float>& label) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double mid_rank = (double(i) + double(j - 1)) / 2 + 1;
    for (std::size_t k = i; k < j; ++k)
      if (label[order[k]] > 0.5f) rank_sum += mid_rank, ++positives;
    i = j;
  }
  const double negatives = double(score.size()) - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

int run(const options& o) {
  const auto file = sf::data::read_arff(o.data);
  // 800 training rows and 200 test rows, shuffled by the seed.
  std::vector<std::size_t> rows(file.rows.size());
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(o.seed));
  const std::size_t n_test = rows.size() / 5;
  std::vector<std::size_t> test(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n_test));
  std::vector<std::size_t> train(rows.begin() + static_cast<std::ptrdiff_t>(n_test), rows.end());
  std::sort(test.begin(), test.end());
  if (!o.write_split.empty()) {
    std::ofstream out(o.write_split);
    for (const std::size_t r : test) out << r << '\n';
  }
  const auto train_features = fc::from_arff(file, train), test_features = fc::from_arff(file, test);

  // ---- the columns
  const auto age = fc::numeric_column("age"), duration = fc::numeric_column("duration");
  const auto amount = fc::numeric_column("credit_amount");
  const auto age_buckets = fc::bucketized_column(age, std::array{25.f, 30.f, 35.f, 40.f, 45.f, 50.f, 60.f});
  const auto duration_buckets = fc::bucketized_column(duration, std::array{9.f, 12.f, 18.f, 24.f, 36.f});
  const auto amount_buckets = fc::bucketized_column(amount, std::array{1000.f, 2000.f, 3000.f, 5000.f, 8000.f});
  const auto checking =
      fc::categorical_column_with_vocabulary_list("checking_status", {"<0", "0<=X<200", ">=200", "no checking"});
  const auto history = fc::categorical_column_with_vocabulary_list(
      "credit_history",
      {"no credits/all paid", "all paid", "existing paid", "delayed previously", "critical/other existing credit"});
  const auto savings = fc::categorical_column_with_vocabulary_list(
      "savings_status", {"<100", "100<=X<500", "500<=X<1000", ">=1000", "no known savings"});
  const auto employment =
      fc::categorical_column_with_vocabulary_list("employment", {"unemployed", "<1", "1<=X<4", "4<=X<7", ">=7"});
  const auto housing = fc::categorical_column_with_vocabulary_list("housing", {"rent", "own", "for free"});
  const auto purpose = fc::categorical_column_with_hash_bucket<32>("purpose");
  const auto personal = fc::categorical_column_with_hash_bucket<16>("personal_status");
  const auto property = fc::categorical_column_with_hash_bucket<16>("property_magnitude");
  const auto plans = fc::categorical_column_with_hash_bucket<8>("other_payment_plans");
  const auto job = fc::categorical_column_with_hash_bucket<16>("job");
  const auto parties = fc::categorical_column_with_hash_bucket<8>("other_parties");
  const auto foreign = fc::categorical_column_with_hash_bucket<4>("foreign_worker");

  const auto purpose_embedding = fc::embedding_column<4>(purpose);
  const auto personal_embedding = fc::embedding_column<4>(personal);

  // Wide: what to memorise, crosses included. Deep: numbers, one-hot categories and embeddings.
  const auto wide = [&](const fc::feature_batch& b) {
    return fc::input_layer(b, age_buckets, duration_buckets, amount_buckets, fc::indicator_column(checking),
                           fc::indicator_column(history), fc::indicator_column(savings),
                           fc::indicator_column(fc::crossed_column<64>(checking, savings)),
                           fc::indicator_column(fc::crossed_column<64>(age_buckets, "job")),
                           fc::indicator_column(fc::crossed_column<64>("purpose", duration_buckets)));
  };
  const auto deep = [&](const fc::feature_batch& b) {
    return fc::input_layer(b, standardised("age", train_features), standardised("duration", train_features),
                           standardised("credit_amount", train_features),
                           standardised("installment_commitment", train_features),
                           standardised("residence_since", train_features),
                           standardised("existing_credits", train_features), fc::indicator_column(checking),
                           fc::indicator_column(history), fc::indicator_column(savings),
                           fc::indicator_column(employment), fc::indicator_column(housing),
                           fc::indicator_column(property), fc::indicator_column(plans), fc::indicator_column(job),
                           fc::indicator_column(parties), fc::indicator_column(foreign));
  };
  const auto wide_train = wide(train_features), wide_test = wide(test_features);
  const auto deep_train = deep(train_features), deep_test = deep(test_features);
  constexpr std::size_t W = std::remove_cvref_t<decltype(wide_train)>::shape_type::extents[1];
  constexpr std::size_t D = std::remove_cvref_t<decltype(deep_train)>::shape_type::extents[1];
  std::printf("German credit: %zu training rows, %zu test rows; wide input %zu, deep input %zu\n", train.size(),
              test.size(), W, D);

  // Labels: 1 for a bad risk.
  const std::size_t cls = file.index("class");
  const auto labels = [&](const std::vector<std::size_t>& which) {
    sf::tensor<float, sf::shape<sf::dyn, 1>> y(which.size());
    for (std::size_t i = 0; i < which.size(); ++i) y(i, 0) = file.rows[which[i]][cls] == "bad" ? 1.f : 0.f;
    return y;
  };
  const auto y_train = labels(train), y_test = labels(test);

  // ---- the model: logits = wide x w + b + dnn(deep)
  using dnn = nn::sequential<nn::input<D + 8>, nn::dense<32>, nn::relu, nn::dense<16>, nn::relu, nn::dense<1>>;
  sf::graph g;
  const auto xw = sf::placeholder<float, sf::shape<sf::dyn, W>, "wide">();
  const auto xd = sf::placeholder<float, sf::shape<sf::dyn, D>, "deep">();
  const auto y = sf::placeholder<float, sf::shape<sf::dyn, 1>, "label">();
  const nn::model<dnn> net(g, o.seed, "dnn");
  const auto w = g.variable<float, sf::shape<W, 1>>("linear/weights", sf::init::zeros());
  const auto b = g.variable<float, sf::shape<1>>("linear/bias", sf::init::zeros());
  // The embeddings' ids are fed as sparse tensors' parts; `rows` is the batch they describe.
  const auto purpose_idx = sf::placeholder<std::int64_t, sf::shape<sf::dyn, 2>, "purpose/indices">();
  const auto purpose_val = sf::placeholder<std::int64_t, sf::shape<sf::dyn>, "purpose/values">();
  const auto personal_idx = sf::placeholder<std::int64_t, sf::shape<sf::dyn, 2>, "personal/indices">();
  const auto personal_val = sf::placeholder<std::int64_t, sf::shape<sf::dyn>, "personal/values">();
  const auto purpose_table = purpose_embedding.table(g, o.seed + 2);
  const auto personal_table = personal_embedding.table(g, o.seed + 3);
  const auto deep_input = [&](std::int64_t rows) {
    return sf::concat<1>(xd, purpose_embedding.lookup(purpose_table, purpose_idx, purpose_val, rows),
                         personal_embedding.lookup(personal_table, personal_idx, personal_val, rows));
  };
  const auto logits_of = [&](std::int64_t rows) { return sf::matmul(xw, w) + b + net(deep_input(rows)); };
  // L2 on every weight matrix (the wide one and the network's): 800 rows overfit quickly.
  const auto penalty = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return (sf::reduce_sum(sf::square(w)) + ... + sf::reduce_sum(sf::square(std::get<I>(net.parameters()).weights)));
  };
  constexpr std::size_t batch = 32;
  const auto logits = logits_of(batch);
  const auto loss = sf::reduce_mean(sf::sigmoid_cross_entropy_with_logits(y, logits)) +
                    static_cast<float>(o.l2) * penalty(std::index_sequence<0, 2, 4>{});
  const auto step = sf::train::adam(o.learning_rate).minimize(loss);
  const auto probability = sf::sigmoid(logits_of(static_cast<std::int64_t>(test.size())));
  // The embedded columns' ids, mapped once per set; a batch takes its rows.
  const auto feed_ids = [&](const fc::embedding_ids& p_ids, const fc::embedding_ids& s_ids, auto&& run) {
    return run(sf::feed(purpose_idx, p_ids.indices), sf::feed(purpose_val, p_ids.values),
               sf::feed(personal_idx, s_ids.indices), sf::feed(personal_val, s_ids.values));
  };
  const auto purpose_train = purpose.ids(train_features), personal_train = personal.ids(train_features);

  sf::session sess(g);
  sess.run(sf::global_variables_initializer());
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(o.seed + 1);
  sf::tensor<float, sf::shape<sf::dyn, W>> bw(batch);
  sf::tensor<float, sf::shape<sf::dyn, D>> bd(batch);
  sf::tensor<float, sf::shape<sf::dyn, 1>> by(batch);
  for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double total = 0;
    for (std::size_t start = 0; start + batch <= order.size(); start += batch) {
      std::vector<std::size_t> rows_of_batch(batch);
      for (std::size_t i = 0; i < batch; ++i) {
        const std::size_t r = order[start + i];
        std::copy_n(wide_train.data() + r * W, W, bw.data() + i * W);
        std::copy_n(deep_train.data() + r * D, D, bd.data() + i * D);
        by(i, 0) = y_train(r, 0);
        rows_of_batch[i] = r;
      }
      total += feed_ids(purpose_embedding.ids(purpose_train, rows_of_batch),
                        personal_embedding.ids(personal_train, rows_of_batch), [&](const auto&... ids) {
        return static_cast<float>(sess.run(step, sf::feed(xw, bw), sf::feed(xd, bd), sf::feed(y, by), ids...));
      });
    }
    if (epoch % 10 == 0 || epoch == o.epochs)
      std::printf("epoch %2zu: mean training loss %.4f\n", epoch, total / double(order.size() / batch));
  }

  const auto p = feed_ids(purpose_embedding.ids(test_features), personal_embedding.ids(test_features),
                          [&](const auto&... ids) {
    return sess.run(probability, sf::feed(xw, wide_test), sf::feed(xd, deep_test), ids...);
  });
  std::vector<float> score(test.size()), label(test.size());
  std::size_t correct = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    score[i] = p(i, 0), label[i] = y_test(i, 0);
    correct += (score[i] > 0.5f) == (label[i] > 0.5f);
  }
  const double accuracy = double(correct) / double(test.size()), area = auc(score, label);
  std::printf("test accuracy %.4f, AUC %.4f (%zu rows)\n", accuracy, area, test.size());
  if (area < o.expect_auc) {
    std::fprintf(stderr, "wide_and_deep: test AUC %.4f is below the expected %.4f\n", area, o.expect_auc);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
