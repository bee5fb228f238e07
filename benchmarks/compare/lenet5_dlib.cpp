// SPDX-License-Identifier: MIT
/// \file
/// \brief The compile-time reference of issue 5: LeNet-5 written against dlib's DNN API (the
/// Debian package libdlib-dev), a trainer of the same scope as examples/mnist_lenet5.cpp: the
/// network as a type, MNIST read from disk, mini-batch training, test accuracy, the trained
/// network saved. benchmarks/compare/compile_lenet5 compiles it and the staticflow example with
/// the same flags, in turn, and compares their compile time and compiler memory.
///
/// Usage: lenet5_dlib <mnist dir> [epochs]
#include <dlib/data_io.h>
#include <dlib/dnn.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// conv 6@5x5 -> relu -> 2x2 max pool -> conv 16@5x5 -> relu -> 2x2 max pool -> 120 -> 84 -> 10
// (dlib lists layers from the loss down to the input).
using lenet5 = dlib::loss_multiclass_log<
    dlib::fc<10, dlib::relu<dlib::fc<84, dlib::relu<dlib::fc<120,
    dlib::max_pool<2, 2, 2, 2, dlib::relu<dlib::con<16, 5, 5, 1, 1,
    dlib::max_pool<2, 2, 2, 2, dlib::relu<dlib::con<6, 5, 5, 1, 1,
    dlib::input<dlib::matrix<unsigned char>>>>>>>>>>>>>>;

double accuracy(lenet5& net, const std::vector<dlib::matrix<unsigned char>>& images,
                const std::vector<unsigned long>& labels) {
  const std::vector<unsigned long> predicted = net(images);
  std::size_t right = 0;
  for (std::size_t i = 0; i < images.size(); ++i) right += predicted[i] == labels[i];
  return images.empty() ? 0.0 : double(right) / double(images.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lenet5_dlib <mnist dir> [epochs]\n");
    return 2;
  }
  try {
    std::vector<dlib::matrix<unsigned char>> train_images, test_images;
    std::vector<unsigned long> train_labels, test_labels;
    dlib::load_mnist_dataset(argv[1], train_images, train_labels, test_images, test_labels);

    lenet5 net;
    dlib::dnn_trainer<lenet5, dlib::adam> trainer(net, dlib::adam(0.0005, 0.9, 0.999));
    trainer.set_learning_rate(0.001);
    trainer.set_mini_batch_size(64);
    trainer.set_max_num_epochs(argc > 2 ? std::stoul(argv[2]) : 3);
    trainer.be_verbose();
    trainer.train(train_images, train_labels);

    net.clean();
    dlib::serialize("lenet5_dlib.dat") << net;
    std::printf("test accuracy %.4f\n", accuracy(net, test_images, test_labels));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lenet5_dlib: %s\n", e.what());
    return 1;
  }
}
