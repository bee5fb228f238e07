# SPDX-License-Identifier: MIT
# Conan 2 recipe: staticflow as a header-only package, its CMake targets as components.
#   conan create . -nr -s compiler.cppstd=20 (test_package/ builds and runs the trainer)
#   ... -o "&:image=True"                    (staticflow::image: libjpeg-turbo, libpng)
# package() is the project's own cmake --install (tests/package/consume.sh, way conan_layout,
# checks that tree against cmake --install's without conan).
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy

required_conan_version = ">=2.0"


class StaticflowConan(ConanFile):
    name = "staticflow"
    version = "0.1.0"
    description = ("Header-only C++20 deep learning: TensorFlow 1.x's graphs, sessions and optimisers "
                   "on tensors whose shapes are checked at compile time, on the host or CUDA")
    license = "MIT"
    topics = ("deep-learning", "header-only", "tensor", "cuda", "expression-templates")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # Every dependency is optional and off by default, so the default package needs nothing from
    # a remote (tests/package: `conan create . -nr` in an empty CONAN_HOME).
    options = {"cuda": [True, False], "image": [True, False], "mpi": [True, False], "zlib": [True, False]}
    default_options = {"cuda": False, "image": False, "mpi": False, "zlib": False}
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*")
    no_copy_source = True

    def requirements(self):
        if self.options.zlib:
            self.requires("zlib/[>=1.2.11 <2]")
        if self.options.image:
            self.requires("libjpeg-turbo/[>=2.1 <4]")
            self.requires("libpng/[>=1.6 <2]")
        if self.options.mpi:
            self.requires("openmpi/[>=4.1 <6]")

    def validate(self):
        from conan.tools.build import check_min_cppstd
        check_min_cppstd(self, 20)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["SF_BUILD_TESTS"] = False
        tc.cache_variables["SF_BUILD_EXAMPLES"] = False
        tc.cache_variables["SF_BUILD_BENCHMARKS"] = False
        tc.cache_variables["SF_BUILD_TOOLS"] = False  # a header-library package: no programs
        tc.cache_variables["SF_ZLIB"] = "ON" if self.options.zlib else "OFF"
        tc.cache_variables["SF_CUDA"] = "ON" if self.options.cuda else "OFF"
        tc.cache_variables["SF_IMAGE"] = "ON" if self.options.image else "OFF"
        tc.cache_variables["SF_MPI"] = "ON" if self.options.mpi else "OFF"
        tc.generate()
        from conan.tools.cmake import CMakeDeps
        CMakeDeps(self).generate()

    def build(self):
        pass  # header-only: nothing to compile

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.configure()
        cmake.install()

    def package_id(self):
        # Header-only: one package for every setting. The options stay in the recipe's
        # requirements and package_info (they choose the components), not in the id.
        self.info.clear()

    def package_info(self):
        # CMakeDeps writes staticflow-config.cmake with these targets, as the project's own
        # staticflowConfig.cmake names them.
        self.cpp_info.set_property("cmake_file_name", "staticflow")
        self.cpp_info.set_property("cmake_target_name", "staticflow::staticflow")
        self.cpp_info.set_property("pkg_config_name", "staticflow")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        host = self.cpp_info.components["staticflow"]
        host.set_property("cmake_target_name", "staticflow::staticflow")
        host.set_property("pkg_config_name", "staticflow")
        host.bindirs = []
        host.libdirs = []
        if self.options.zlib:
            host.requires = ["zlib::zlib"]
            host.defines = ["SF_HAVE_ZLIB=1"]
        if self.settings.compiler in ("gcc", "clang", "apple-clang"):
            host.cxxflags = ["-fopenmp", "-fno-math-errno"]
            host.sharedlinkflags = ["-fopenmp"]
            host.exelinkflags = ["-fopenmp"]

        if self.options.image:
            png = self.cpp_info.components["png"]
            png.set_property("cmake_target_name", "staticflow::png")
            png.bindirs = []
            png.libdirs = []
            png.requires = ["staticflow", "libpng::libpng"]
            image = self.cpp_info.components["image"]
            image.set_property("cmake_target_name", "staticflow::image")
            image.bindirs = []
            image.libdirs = []
            image.requires = ["staticflow", "libjpeg-turbo::jpeg", "libpng::libpng"]
        if self.options.cuda:
            # The CUDA toolkit is the system's (Conan Center has no CUDA package): the consumer
            # enables the CUDA language and links CUDA::cudart and CUDA::cublas itself.
            cuda = self.cpp_info.components["cuda"]
            cuda.set_property("cmake_target_name", "staticflow::cuda")
            cuda.bindirs = []
            cuda.libdirs = []
            cuda.requires = ["staticflow"]
            cuda.defines = ["SF_WITH_CUDA=1"]
            cuda.system_libs = ["cudart", "cublas", "cublasLt"]
        if self.options.mpi:
            mpi = self.cpp_info.components["mpi"]
            mpi.set_property("cmake_target_name", "staticflow::mpi")
            mpi.bindirs = []
            mpi.libdirs = []
            mpi.requires = ["staticflow", "openmpi::openmpi"]
