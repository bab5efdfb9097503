// JS entry points for tensor conversion:
//   quantize(type, src: Float32Array, nPerRow, imatrix?, threads, out?, token?) -> Promise<Buffer | out>
//   quantizeSync(type, src, nPerRow, imatrix?, threads, out?) -> Buffer | out
//   quantizeFrom(fromType, toType, src: Uint8Array, nPerRow, imatrix?, threads, out?, token?) -> Promise<Buffer | out>
//   dequantize(type, src: Uint8Array, nElements, threads, out?, token?) -> Promise<Float32Array | out>
//   dequantizeSync(type, src, nElements, threads, out?) -> Float32Array | out
//   typeKernels(type) -> { name, blockSize, typeSize, quantize, dequantize } | undefined
// The TS wrapper validates first and gives the friendly messages; the checks
// here keep a direct caller from crashing the process. Arguments are turned
// into a plain job on the main thread; the job runs on native threads while
// persistent references keep the input and output memory alive. Given an
// `out` array (at least the result's size), the result is written to its
// start and `out` itself is returned; otherwise a new array of exactly the
// result's size is.
#include <napi.h>

#include <exception>
#include <string>
#include <utility>

#include "../quants/kernel_table.h"
#include "cancel_token.h"
#include "convert_job.h"
#include "napi_errors.h"
#include "output_arg.h"
#include "registry.h"

namespace tessera {

namespace {

constexpr int kMaxThreads = 512;
// Array lengths JS can address; larger element counts are rejected.
constexpr double kMaxSafeInteger = 9007199254740991.0;

bool read_int(Napi::Value v, double lo, double hi, int64_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != static_cast<double>(static_cast<int64_t>(d))) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// Resolves the kernels of argument `index`, or throws and returns nullptr.
const TypeKernels* read_type(const Napi::CallbackInfo& info, size_t index, bool for_quantize) {
  int64_t id;
  if (info.Length() <= index || !read_int(info[index], 0, 1 << 30, &id)) {
    throw_coded(info.Env(), "EINVAL", "type must be a ggml type id (a non-negative integer)");
    return nullptr;
  }
  const TypeKernels* k = find_type_kernels(static_cast<int32_t>(id), kernel_path());
  if (!k || (for_quantize ? k->quantize == nullptr : k->dequantize == nullptr)) {
    const std::string what = k ? std::string(k->name) : "type id " + std::to_string(id);
    throw_coded(info.Env(), "EUNSUPPORTED",
                what + (for_quantize ? " cannot be produced by" : " cannot be read by") + " the native kernels");
    return nullptr;
  }
  return k;
}

bool read_threads(const Napi::CallbackInfo& info, size_t index, int* out) {
  int64_t t = 1;
  if (info.Length() > index && !info[index].IsUndefined() && !read_int(info[index], 1, kMaxThreads, &t)) {
    throw_coded(info.Env(), "EINVAL", "threads must be an integer in 1.." + std::to_string(kMaxThreads));
    return false;
  }
  *out = static_cast<int>(t);
  return true;
}

bool read_token(const Napi::CallbackInfo& info, size_t index, CancelFlag* out) {
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return true;
  *out = cancel_flag_of(info[index]);
  if (!*out) {
    throw_coded(info.Env(), "EINVAL", "the cancel token must come from createCancelToken()");
    return false;
  }
  return true;
}

struct QuantizeCall {
  QuantizeJob job;
  Napi::Object src;
  Napi::Object out;
};

// The arguments quantize and quantizeFrom share, from `first` on:
// imatrix, threads, out[, token]. `src`/`src_bytes` are the input's memory.
bool parse_quantize_tail(const Napi::CallbackInfo& info, size_t first, bool with_token, const TypeKernels* k,
                         Napi::Object src, const void* src_data, size_t src_bytes, QuantizeCall* call) {
  Napi::Env env = info.Env();
  QuantizeJob& job = call->job;
  const int64_t n_per_row = job.n_per_row;
  if (info.Length() > first && !info[first].IsUndefined() && !info[first].IsNull()) {
    if (!info[first].IsTypedArray() || info[first].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        static_cast<int64_t>(info[first].As<Napi::Float32Array>().ElementLength()) != n_per_row) {
      throw_coded(env, "EINVAL", "imatrix must be a Float32Array of nPerRow (" + std::to_string(n_per_row) + ") weights");
      return false;
    }
    Napi::Float32Array im = info[first].As<Napi::Float32Array>();
    job.imatrix.assign(im.Data(), im.Data() + n_per_row);
  }
  if (!read_threads(info, first + 1, &job.threads)) return false;
  job.kernel = k->quantize;
  job.row_bytes = static_cast<size_t>(n_per_row / k->block_size * k->type_size);
  const size_t total = static_cast<size_t>(job.nrows) * job.row_bytes;
  Napi::TypedArray given;
  if (!read_output(info, first + 2, napi_uint8_array, total, src_data, src_bytes, &given)) return false;
  if (with_token && !read_token(info, first + 3, &job.cancel)) return false;
  if (given.IsEmpty()) {
    Napi::Buffer<uint8_t> fresh = Napi::Buffer<uint8_t>::New(env, total);
    if (env.IsExceptionPending()) return false;
    job.dst = fresh.Data();
    call->out = fresh;
  } else {
    job.dst = static_cast<uint8_t*>(typed_array_data(given));
    call->out = given;
  }
  call->src = src;
  job.src = src_data;
  return true;
}

// quantize(type, src, nPerRow, imatrix, threads, out[, token])
bool parse_quantize(const Napi::CallbackInfo& info, bool with_token, QuantizeCall* call) {
  Napi::Env env = info.Env();
  const TypeKernels* k = read_type(info, 0, true);
  if (!k) return false;
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_coded(env, "EINVAL", "src must be a Float32Array");
    return false;
  }
  Napi::Float32Array src = info[1].As<Napi::Float32Array>();
  int64_t n_per_row;
  if (info.Length() < 3 || !read_int(info[2], 1, kMaxSafeInteger, &n_per_row) || n_per_row % k->block_size != 0) {
    throw_coded(env, "EINVAL",
                std::string("nPerRow must be a positive multiple of ") + k->name + "'s block size " +
                    std::to_string(k->block_size));
    return false;
  }
  const int64_t n = static_cast<int64_t>(src.ElementLength());
  if (n % n_per_row != 0) {
    throw_coded(env, "EINVAL", "src length " + std::to_string(n) + " is not a whole number of rows of " +
                                   std::to_string(n_per_row));
    return false;
  }
  call->job.n_per_row = n_per_row;
  call->job.nrows = n / n_per_row;
  return parse_quantize_tail(info, 3, with_token, k, src, src.Data(), src.ByteLength(), call);
}

// quantizeFrom(fromType, toType, src, nPerRow, imatrix, threads, out[, token])
bool parse_quantize_from(const Napi::CallbackInfo& info, bool with_token, QuantizeCall* call) {
  Napi::Env env = info.Env();
  const TypeKernels* from = read_type(info, 0, false);
  if (!from) return false;
  const TypeKernels* k = read_type(info, 1, true);
  if (!k) return false;
  if (info.Length() < 3 || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_coded(env, "EINVAL", "src must be a Uint8Array or Buffer");
    return false;
  }
  Napi::Uint8Array src = info[2].As<Napi::Uint8Array>();
  int64_t n_per_row;
  if (info.Length() < 4 || !read_int(info[3], 1, kMaxSafeInteger, &n_per_row) || n_per_row % k->block_size != 0 ||
      n_per_row % from->block_size != 0) {
    throw_coded(env, "EINVAL",
                std::string("nPerRow must be a positive multiple of ") + from->name + "'s block size " +
                    std::to_string(from->block_size) + " and " + k->name + "'s " + std::to_string(k->block_size));
    return false;
  }
  const size_t src_row_bytes = static_cast<size_t>(n_per_row / from->block_size * from->type_size);
  if (src.ByteLength() % src_row_bytes != 0) {
    throw_coded(env, "EINVAL", "src holds " + std::to_string(src.ByteLength()) + " bytes, not a whole number of " +
                                   std::to_string(src_row_bytes) + "-byte " + from->name + " rows");
    return false;
  }
  QuantizeJob& job = call->job;
  job.decode = from->dequantize;
  job.src_row_bytes = src_row_bytes;
  job.n_per_row = n_per_row;
  job.nrows = static_cast<int64_t>(src.ByteLength() / src_row_bytes);
  return parse_quantize_tail(info, 4, with_token, k, src, src.Data(), src.ByteLength(), call);
}

struct DequantizeCall {
  DequantizeJob job;
  Napi::Object src;
  Napi::Object out;
};

// dequantize(type, src, nElements, threads, out[, token])
bool parse_dequantize(const Napi::CallbackInfo& info, bool with_token, DequantizeCall* call) {
  Napi::Env env = info.Env();
  const TypeKernels* k = read_type(info, 0, false);
  if (!k) return false;
  if (info.Length() < 2 || !info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_coded(env, "EINVAL", "src must be a Uint8Array or Buffer");
    return false;
  }
  Napi::Uint8Array src = info[1].As<Napi::Uint8Array>();
  int64_t n;
  if (info.Length() < 3 || !read_int(info[2], 0, kMaxSafeInteger, &n) || n % k->block_size != 0) {
    throw_coded(env, "EINVAL", std::string("nElements must be a non-negative multiple of ") + k->name +
                                   "'s block size " + std::to_string(k->block_size));
    return false;
  }
  DequantizeJob& job = call->job;
  job.nblocks = n / k->block_size;
  job.block_size = k->block_size;
  job.type_size = k->type_size;
  const size_t needed = static_cast<size_t>(job.nblocks * k->type_size);
  if (src.ByteLength() < needed) {
    throw_coded(env, "EINVAL", "src holds " + std::to_string(src.ByteLength()) + " bytes; " + std::to_string(n) +
                                   " " + k->name + " elements need " + std::to_string(needed));
    return false;
  }
  if (!read_threads(info, 3, &job.threads)) return false;
  Napi::TypedArray given;
  if (!read_output(info, 4, napi_float32_array, static_cast<size_t>(n) * sizeof(float), src.Data(), needed, &given)) {
    return false;
  }
  if (with_token && !read_token(info, 5, &job.cancel)) return false;
  if (given.IsEmpty()) {
    Napi::Float32Array fresh = Napi::Float32Array::New(env, static_cast<size_t>(n));
    if (env.IsExceptionPending()) return false;
    job.dst = fresh.Data();
    call->out = fresh;
  } else {
    job.dst = static_cast<float*>(typed_array_data(given));
    call->out = given;
  }
  call->src = src;
  job.kernel = k->dequantize;
  job.src = src.Data();
  return true;
}

// Runs a job on the libuv pool (plus the job's own threads) and settles a
// promise with `out`, or with an EABORT error when cancelled.
template <typename Job, bool (*Run)(const Job&)>
class ConvertWorker : public Napi::AsyncWorker {
 public:
  ConvertWorker(Napi::Env env, Job job, Napi::Object src, Napi::Object out)
      : Napi::AsyncWorker(env, "tessera.convert"),
        deferred_(Napi::Promise::Deferred::New(env)),
        job_(std::move(job)),
        src_(Napi::Persistent(src)),
        out_(Napi::Persistent(out)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      finished_ = Run(job_);
    } catch (const std::exception& e) {  // thread creation or allocation
      SetError(e.what());
    }
  }
  void OnOK() override {
    if (finished_) {
      deferred_.Resolve(out_.Value());
    } else {
      deferred_.Reject(coded_error(Env(), "EABORT", "the operation was aborted").Value());
    }
  }
  void OnError(const Napi::Error& e) override {
    deferred_.Reject(coded_error(Env(), "ENOMEM", std::string("native conversion failed: ") + e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  bool finished_ = false;
  Napi::ObjectReference src_;  // keeps the input's memory alive
  Napi::ObjectReference out_;
};

using QuantizeWorker = ConvertWorker<QuantizeJob, run_quantize>;
using DequantizeWorker = ConvertWorker<DequantizeJob, run_dequantize>;

Napi::Value Quantize(const Napi::CallbackInfo& info) {
  QuantizeCall call;
  if (!parse_quantize(info, true, &call)) return info.Env().Undefined();
  auto* worker = new QuantizeWorker(info.Env(), std::move(call.job), call.src, call.out);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value QuantizeSync(const Napi::CallbackInfo& info) {
  QuantizeCall call;
  if (!parse_quantize(info, false, &call)) return info.Env().Undefined();
  run_quantize(call.job);
  return call.out;
}

Napi::Value QuantizeFrom(const Napi::CallbackInfo& info) {
  QuantizeCall call;
  if (!parse_quantize_from(info, true, &call)) return info.Env().Undefined();
  auto* worker = new QuantizeWorker(info.Env(), std::move(call.job), call.src, call.out);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Dequantize(const Napi::CallbackInfo& info) {
  DequantizeCall call;
  if (!parse_dequantize(info, true, &call)) return info.Env().Undefined();
  auto* worker = new DequantizeWorker(info.Env(), std::move(call.job), call.src, call.out);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value DequantizeSync(const Napi::CallbackInfo& info) {
  DequantizeCall call;
  if (!parse_dequantize(info, false, &call)) return info.Env().Undefined();
  run_dequantize(call.job);
  return call.out;
}

Napi::Value TypeKernelsInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t id;
  if (info.Length() < 1 || !read_int(info[0], 0, 1 << 30, &id)) return env.Undefined();
  const TypeKernels* k = find_type_kernels(static_cast<int32_t>(id), kernel_path());
  if (!k) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", k->name);
  o.Set("blockSize", Napi::Number::New(env, static_cast<double>(k->block_size)));
  o.Set("typeSize", Napi::Number::New(env, static_cast<double>(k->type_size)));
  o.Set("quantize", Napi::Boolean::New(env, k->quantize != nullptr));
  o.Set("dequantize", Napi::Boolean::New(env, k->dequantize != nullptr));
  return o;
}

void InitQuantBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("quantize", Napi::Function::New(env, Quantize, "quantize"));
  exports.Set("quantizeSync", Napi::Function::New(env, QuantizeSync, "quantizeSync"));
  exports.Set("quantizeFrom", Napi::Function::New(env, QuantizeFrom, "quantizeFrom"));
  exports.Set("dequantize", Napi::Function::New(env, Dequantize, "dequantize"));
  exports.Set("dequantizeSync", Napi::Function::New(env, DequantizeSync, "dequantizeSync"));
  exports.Set("typeKernels", Napi::Function::New(env, TypeKernelsInfo, "typeKernels"));
  exports.Set("createCancelToken", Napi::Function::New(env, CreateCancelToken, "createCancelToken"));
  exports.Set("cancel", Napi::Function::New(env, CancelTokenCancel, "cancel"));
}

}  // namespace

}  // namespace tessera

TESSERA_REGISTER_BINDINGS(quant, tessera::InitQuantBindings)
