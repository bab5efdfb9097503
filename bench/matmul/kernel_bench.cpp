// Standalone C++ benchmark of the matmul kernels (no Node, no N-API), for
// machines where only a compiler is at hand and for A/B runs of two versions
// of libs/native/cpp/matmul on a quiet machine. Build and run with
// bench/matmul/kernel_bench.sh. Weights are random block bytes with small
// fp16 scales (timing does not depend on the values), replicated to ~48 MB
// and used in turn so that they stream from memory as a model's do.
// Prints, per type and token count, the best of several runs: microseconds
// per matrix and weight GB/s, for one thread.
// usage: kernel_bench [TYPE ...]   (KB_NOPACK=1: never use packed weights;
// KB_THREADS=2: chunks on the runtime's thread pool, GB/s of all threads;
// KB_CHUNKS=1: those chunks on one thread)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "matmul/huge_page_buffer.h"
#include "matmul/matmul.h"
#include "model/linear.h"
#include "model/thread_pool.h"
#include "quants/kernel_table.h"

namespace tessera {
// The process-wide scalar switch lives in the quantizer's kernel table, which
// this benchmark does not link.
KernelPath kernel_path() { return KernelPath::Auto; }
}  // namespace tessera

using namespace tessera;

namespace {

struct Shape {
  GgmlType type;
  const char* name;
  int block;       // elements per block
  int bytes;       // bytes per block
  int scale_at[2]; // byte offsets of fp16 scales in a block (-1: none)
};

const Shape kShapes[] = {
    {GgmlType::Q4_0, "Q4_0", 32, 18, {0, -1}},  {GgmlType::Q5_0, "Q5_0", 32, 22, {0, -1}},
    {GgmlType::Q8_0, "Q8_0", 32, 34, {0, -1}},  {GgmlType::Q4_K, "Q4_K", 256, 144, {0, 2}},
    {GgmlType::Q6_K, "Q6_K", 256, 210, {208, -1}}, {GgmlType::Q2_K, "Q2_K", 256, 84, {80, 82}},
    {GgmlType::F16, "F16", 1, 2, {-1, -1}},
};

uint16_t small_half(std::mt19937& rng) {
  // sign, exponent 5..10 (2^-10 .. 2^-5), any mantissa
  return static_cast<uint16_t>(((rng() & 1) << 15) | ((5 + rng() % 6) << 10) | (rng() % 1024));
}

double run(const Shape& s, int64_t rows, int64_t cols, int ntok) {
  std::mt19937 rng(rows + cols);
  const size_t row_bytes = static_cast<size_t>(cols / s.block) * s.bytes;
  const size_t matrix = row_bytes * rows;
  // KB_MB: megabytes of weights to cycle through (default 48; past the L3
  // size they stream from memory as a whole model does).
  const double total = std::getenv("KB_MB") ? std::atof(std::getenv("KB_MB")) * 1e6 : 48e6;
  const int copies = static_cast<int>(total / matrix) + 1;
  std::vector<uint8_t> w(matrix * copies);
  for (auto& b : w) b = static_cast<uint8_t>(rng());
  for (size_t blk = 0; blk < w.size() / s.bytes; ++blk)
    for (int at : s.scale_at)
      if (at >= 0) {
        const uint16_t h = small_half(rng);
        std::memcpy(&w[blk * s.bytes + at], &h, 2);
      }
  if (s.type == GgmlType::F16)
    for (size_t i = 0; i < w.size() / 2; ++i) {
      const uint16_t h = small_half(rng);
      std::memcpy(&w[2 * i], &h, 2);
    }
  std::vector<float> x(static_cast<size_t>(ntok) * cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (auto& v : x) v = normal(rng);
  const size_t xrow = activation_row_bytes(s.type, cols);
  std::vector<uint8_t> xq(xrow * ntok);
  for (int t = 0; t < ntok; ++t) quantize_activations(s.type, x.data() + t * cols, xq.data() + t * xrow, cols);
  // Packed copies one after another on 2 MiB pages, as the runtime keeps
  // them (model/weight_packing.cpp).
  std::vector<WeightView> views;
  const bool no_pack = std::getenv("KB_NOPACK") != nullptr;
  const size_t packed_bytes = no_pack ? 0 : packed_weights_bytes({s.type, w.data(), rows, cols, row_bytes});
  const size_t packed_stride = (packed_bytes + 63) / 64 * 64;
  HugePageBuffer packed(packed_stride * copies);
  for (int c = 0; c < copies; ++c) {
    WeightView v{s.type, w.data() + c * matrix, rows, cols, row_bytes};
    if (packed_bytes > 0) {
      pack_weights(v, packed.data() + c * packed_stride);
      v.packed = packed.data() + c * packed_stride;
    }
    views.push_back(v);
  }
  std::vector<float> y(static_cast<size_t>(ntok) * rows);
  // KB_THREADS > 1: each matrix is cut into chunks as the runtime cuts it
  // (Linear::chunks) and run on the runtime's thread pool.
  // KB_CHUNKS=1: the same chunks on one thread.
  const int threads = std::getenv("KB_THREADS") ? std::atoi(std::getenv("KB_THREADS")) : 1;
  const bool chunked = threads > 1 || std::getenv("KB_CHUNKS") != nullptr;
  ThreadPool pool(threads);
  Linear linear(pool);
  std::vector<RowChunk> chunks;
  linear.chunks({&views[0]}, &chunks);
  auto product = [&](const WeightView& v) {
    if (!chunked) {
      matmul_rows(v, xq.data(), ntok, xrow, y.data(), rows, 0, rows);
      return;
    }
    pool.run(static_cast<int64_t>(chunks.size()), [&](int64_t c, int) {
      matmul_rows(v, xq.data(), ntok, xrow, y.data(), rows, chunks[c].begin, chunks[c].end);
    });
  };
  double best = 1e9;
  for (int rep = 0; rep < 7; ++rep) {
    const int iters = copies * 4;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) product(views[i % copies]);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / iters;
    best = us < best ? us : best;
  }
  std::printf("%-5s %5lld x %-5lld %3d tok  %9.1f us  %6.2f GB/s%s\n", s.name, static_cast<long long>(rows),
              static_cast<long long>(cols), ntok, best, matrix / best / 1e3,
              packed_bytes ? "  (packed)" : "");
  return best;
}

// "ROWSxCOLS,ROWSxCOLS" or "1,16" from the environment, else `fallback`.
template <class T>
std::vector<T> list_from_env(const char* name, std::vector<T> fallback, T (*parse)(const char*)) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  std::vector<T> out;
  for (const char* p = v; *p;) {
    out.push_back(parse(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

struct RowsCols {
  int64_t rows, cols;
};

RowsCols parse_shape(const char* p) {
  char* end;
  const int64_t r = std::strtoll(p, &end, 10);
  return {r, *end == 'x' ? std::strtoll(end + 1, nullptr, 10) : r};
}

int parse_int(const char* p) { return std::atoi(p); }

}  // namespace

// KB_SHAPES (e.g. "1536x576,49152x576": rows x cols) and KB_TOKENS (e.g.
// "1,4") replace the default shapes and token counts.
int main(int argc, char** argv) {
  const auto shapes = list_from_env<RowsCols>("KB_SHAPES", {{576, 1536}, {1536, 768}}, parse_shape);
  const auto tokens = list_from_env<int>("KB_TOKENS", {1, 16}, parse_int);
  for (const Shape& s : kShapes) {
    bool wanted = argc == 1;
    for (int i = 1; i < argc; ++i) wanted = wanted || std::strcmp(argv[i], s.name) == 0;
    if (!wanted) continue;
    for (const auto& rc : shapes) {
      if (rc.cols % s.block) continue;
      for (int ntok : tokens) run(s, rc.rows, rc.cols, ntok);
    }
  }
  return 0;
}
