// JS entry points of the matmul kernels, for tests and benchmarks (the model
// forward pass calls matmul.h directly):
//   matmulActivationRowBytes(wtype, cols) -> number
//   matmulQuantizeActivations(wtype, x: Float32Array, cols) -> Buffer (one row per cols floats)
//   matmulRun(wtype, w: Uint8Array, rows, cols, xq: Uint8Array, nTokens, path, packed, splits)
//     -> Float32Array (nTokens x rows, token-major); path: 'auto' | 'scalar' | 'avx2' |
//     'avx512'; packed: pack the weights first (where a packed kernel exists); splits:
//     row boundaries, each range computed by its own call as a thread pool would
//   matmulPackedBytes(wtype, rows, cols) -> bytes pack_weights writes (0: no packed kernel)
//   matmulTime(wtype, w, rows, cols, xq, nTokens, path, iterations, copies, packed) -> seconds per
//     product; w holds `copies` matrices used in turn, so a large w streams from memory
//     as a real model's weights do
//   matmulBestPath() -> 'avx512' | 'avx2' | 'scalar'
// The TS wrapper (src/matmul.ts) validates with friendly messages; the checks
// here keep a direct caller from reading out of bounds.
#include <napi.h>

#include <chrono>
#include <string>
#include <vector>

#include "bindings/napi_errors.h"
#include "bindings/registry.h"
#include "matmul/kernels.h"
#include "matmul/matmul.h"

namespace tessera {
namespace {

bool read_count(Napi::Value v, int64_t lo, int64_t hi, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) ||
      d != static_cast<double>(static_cast<int64_t>(d)))
    return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// Reads (wtype, cols) at `first`: a supported type and a whole number of blocks.
bool read_type_cols(const Napi::CallbackInfo& info, size_t first, GgmlType* type, int64_t* cols) {
  int64_t id;
  if (info.Length() <= first || !read_count(info[first], 0, 1 << 20, &id) ||
      !matmul_supports(static_cast<GgmlType>(id))) {
    throw_coded(info.Env(), "EUNSUPPORTED", "matmul has no kernel for this weight type id");
    return false;
  }
  *type = static_cast<GgmlType>(id);
  const int64_t block = mm::type_shape(*type).block;
  if (info.Length() <= first + 1 || !read_count(info[first + 1], 1, int64_t(1) << 32, cols) ||
      *cols % block != 0) {
    throw_coded(info.Env(), "EINVAL", "cols must be a positive multiple of " + std::to_string(block));
    return false;
  }
  return true;
}

bool read_path(const Napi::CallbackInfo& info, size_t index, MatmulPath* path) {
  const std::string p = info.Length() > index && info[index].IsString()
                            ? info[index].As<Napi::String>().Utf8Value()
                            : "";
  if (p == "auto") *path = MatmulPath::Auto;
  else if (p == "scalar") *path = MatmulPath::Scalar;
  else if (p == "avx2") *path = MatmulPath::Avx2;
  else if (p == "avx512") *path = MatmulPath::Avx512;
  else {
    throw_coded(info.Env(), "EINVAL", "path must be 'auto', 'scalar', 'avx2' or 'avx512'");
    return false;
  }
  return true;
}

const char* path_name(MatmulPath p) {
  switch (p) {
    case MatmulPath::Avx512: return "avx512";
    case MatmulPath::Avx2: return "avx2";
    default: return "scalar";
  }
}

Napi::Value ActivationRowBytes(const Napi::CallbackInfo& info) {
  GgmlType type;
  int64_t cols;
  if (!read_type_cols(info, 0, &type, &cols)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(activation_row_bytes(type, cols)));
}

Napi::Value QuantizeActivations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GgmlType type;
  int64_t cols;
  if (info.Length() < 3 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    return throw_coded(env, "EINVAL", "x must be a Float32Array");
  // Arguments are (wtype, x, cols); read_type_cols wants the type and cols adjacent.
  int64_t id;
  if (!read_count(info[0], 0, 1 << 20, &id) || !matmul_supports(static_cast<GgmlType>(id)))
    return throw_coded(env, "EUNSUPPORTED", "matmul has no kernel for this weight type id");
  type = static_cast<GgmlType>(id);
  const int64_t block = mm::type_shape(type).block;
  if (!read_count(info[2], 1, int64_t(1) << 32, &cols) || cols % block != 0)
    return throw_coded(env, "EINVAL", "cols must be a positive multiple of " + std::to_string(block));
  Napi::Float32Array x = info[1].As<Napi::Float32Array>();
  if (static_cast<int64_t>(x.ElementLength()) % cols != 0)
    return throw_coded(env, "EINVAL", "x must hold a whole number of rows of cols floats");
  const int64_t nrows = static_cast<int64_t>(x.ElementLength()) / cols;
  const size_t row_bytes = activation_row_bytes(type, cols);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::New(env, row_bytes * nrows);
  for (int64_t r = 0; r < nrows; ++r)
    quantize_activations(type, x.Data() + r * cols, out.Data() + r * row_bytes, cols);
  return out;
}

struct Product {
  WeightView w;
  const uint8_t* xq;
  int64_t n_tokens;
  size_t xq_stride;
  MatmulPath path;
};

bool read_product(const Napi::CallbackInfo& info, Product* p) {
  Napi::Env env = info.Env();
  GgmlType type;
  int64_t cols, rows, n_tokens;
  if (info.Length() < 7) {
    throw_coded(env, "EINVAL", "expected (wtype, weights, rows, cols, xq, nTokens, path)");
    return false;
  }
  int64_t id;
  if (!read_count(info[0], 0, 1 << 20, &id) || !matmul_supports(static_cast<GgmlType>(id))) {
    throw_coded(env, "EUNSUPPORTED", "matmul has no kernel for this weight type id");
    return false;
  }
  type = static_cast<GgmlType>(id);
  const mm::TypeShape shape = mm::type_shape(type);
  if (!read_count(info[2], 1, int64_t(1) << 32, &rows) ||
      !read_count(info[3], 1, int64_t(1) << 32, &cols) || cols % shape.block != 0) {
    throw_coded(env, "EINVAL", "rows must be positive and cols a positive multiple of " +
                                   std::to_string(shape.block));
    return false;
  }
  if (!read_count(info[5], 1, int64_t(1) << 20, &n_tokens)) {
    throw_coded(env, "EINVAL", "nTokens must be a positive integer");
    return false;
  }
  if (!info[1].IsTypedArray() || !info[4].IsTypedArray()) {
    throw_coded(env, "EINVAL", "weights and xq must be Uint8Arrays");
    return false;
  }
  Napi::TypedArray wa = info[1].As<Napi::TypedArray>(), xa = info[4].As<Napi::TypedArray>();
  const size_t row_bytes = static_cast<size_t>(cols / shape.block) * shape.bytes;
  const size_t xq_stride = activation_row_bytes(type, cols);
  if (wa.ByteLength() < row_bytes * rows || xa.ByteLength() < xq_stride * n_tokens) {
    throw_coded(env, "EINVAL", "weights or xq is shorter than rows / nTokens need");
    return false;
  }
  if (!read_path(info, 6, &p->path)) return false;
  const auto* wdata = static_cast<const uint8_t*>(wa.ArrayBuffer().Data()) + wa.ByteOffset();
  p->w = WeightView{type, wdata, rows, cols, row_bytes};
  p->xq = static_cast<const uint8_t*>(xa.ArrayBuffer().Data()) + xa.ByteOffset();
  p->n_tokens = n_tokens;
  p->xq_stride = xq_stride;
  return true;
}

void run_product(const Product& p, float* y) {
  const MatmulPath before = set_matmul_path(p.path);
  matmul_rows(p.w, p.xq, p.n_tokens, p.xq_stride, y, p.w.rows, 0, p.w.rows);
  set_matmul_path(before);
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Product p;
  if (!read_product(info, &p)) return env.Undefined();
  const bool packed = info.Length() > 7 && info[7].IsBoolean() && info[7].As<Napi::Boolean>().Value();
  std::vector<int64_t> bounds{0};
  if (info.Length() > 8 && info[8].IsArray()) {
    Napi::Array splits = info[8].As<Napi::Array>();
    for (uint32_t i = 0; i < splits.Length(); ++i) {
      int64_t b;
      if (!read_count(splits.Get(i), bounds.back() + 1, p.w.rows - 1, &b))
        return throw_coded(env, "EINVAL", "splits must be increasing row indices inside (0, rows)");
      bounds.push_back(b);
    }
  }
  bounds.push_back(p.w.rows);
  const MatmulPath before = set_matmul_path(p.path);
  PackedWeights packed_weights;
  if (packed) {
    packed_weights = PackedWeights(p.w);
    p.w = packed_weights.view();
  }
  Napi::Float32Array y = Napi::Float32Array::New(env, p.w.rows * p.n_tokens);
  for (size_t i = 0; i + 1 < bounds.size(); ++i)
    matmul_rows(p.w, p.xq, p.n_tokens, p.xq_stride, y.Data(), p.w.rows, bounds[i], bounds[i + 1]);
  set_matmul_path(before);
  return y;
}

Napi::Value PackedBytes(const Napi::CallbackInfo& info) {
  int64_t id, rows, cols;
  if (info.Length() < 3 || !read_count(info[0], 0, 1 << 20, &id) ||
      !matmul_supports(static_cast<GgmlType>(id)) || !read_count(info[1], 1, int64_t(1) << 32, &rows) ||
      !read_count(info[2], 1, int64_t(1) << 32, &cols) ||
      cols % mm::type_shape(static_cast<GgmlType>(id)).block != 0)
    return throw_coded(info.Env(), "EINVAL", "expected (wtype, rows, cols) of a supported type");
  const GgmlType type = static_cast<GgmlType>(id);
  const mm::TypeShape shape = mm::type_shape(type);
  const WeightView w{type, nullptr, rows, cols, static_cast<size_t>(cols / shape.block) * shape.bytes};
  return Napi::Number::New(info.Env(), static_cast<double>(packed_weights_bytes(w)));
}

Napi::Value Time(const Napi::CallbackInfo& info) {
  Product p;
  if (!read_product(info, &p)) return info.Env().Undefined();
  int64_t iterations, copies = 1;
  if (info.Length() < 8 || !read_count(info[7], 1, 1 << 24, &iterations))
    return throw_coded(info.Env(), "EINVAL", "iterations must be a positive integer");
  if (info.Length() > 8 && !info[8].IsUndefined() && !read_count(info[8], 1, 1 << 20, &copies))
    return throw_coded(info.Env(), "EINVAL", "copies must be a positive integer");
  const size_t matrix_bytes = p.w.row_bytes * static_cast<size_t>(p.w.rows);
  if (info[1].As<Napi::TypedArray>().ByteLength() < matrix_bytes * static_cast<size_t>(copies))
    return throw_coded(info.Env(), "EINVAL", "weights is shorter than copies matrices");
  const bool packed = info.Length() > 9 && info[9].IsBoolean() && info[9].As<Napi::Boolean>().Value();
  const MatmulPath before = set_matmul_path(p.path);
  const size_t packed_bytes = packed ? packed_weights_bytes(p.w) : 0;
  set_matmul_path(before);
  std::vector<uint8_t> packed_data(packed_bytes * static_cast<size_t>(copies));
  const auto* first = static_cast<const uint8_t*>(p.w.data);
  for (int64_t c = 0; packed_bytes && c < copies; ++c) {
    WeightView wc = p.w;
    wc.data = first + static_cast<size_t>(c) * matrix_bytes;
    set_matmul_path(p.path);
    pack_weights(wc, packed_data.data() + static_cast<size_t>(c) * packed_bytes);
    set_matmul_path(before);
  }
  Napi::Float32Array y = Napi::Float32Array::New(info.Env(), p.w.rows * p.n_tokens);
  const auto select = [&](int64_t i) {
    p.w.data = first + static_cast<size_t>(i % copies) * matrix_bytes;
    if (packed_bytes) p.w.packed = packed_data.data() + static_cast<size_t>(i % copies) * packed_bytes;
  };
  select(0);
  run_product(p, y.Data());  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < iterations; ++i) {
    select(i);
    run_product(p, y.Data());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return Napi::Number::New(info.Env(), s / static_cast<double>(iterations));
}

Napi::Value BestPath(const Napi::CallbackInfo& info) {
  const MatmulPath before = set_matmul_path(MatmulPath::Auto);
  const MatmulPath best = best_matmul_path();
  set_matmul_path(before);
  return Napi::String::New(info.Env(), path_name(best));
}

void InitMatmulBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("matmulActivationRowBytes", Napi::Function::New(env, ActivationRowBytes));
  exports.Set("matmulQuantizeActivations", Napi::Function::New(env, QuantizeActivations));
  exports.Set("matmulRun", Napi::Function::New(env, Run));
  exports.Set("matmulTime", Napi::Function::New(env, Time));
  exports.Set("matmulPackedBytes", Napi::Function::New(env, PackedBytes));
  exports.Set("matmulBestPath", Napi::Function::New(env, BestPath));
}

}  // namespace
}  // namespace tessera

TESSERA_REGISTER_BINDINGS(matmul, tessera::InitMatmulBindings)
