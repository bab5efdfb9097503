// JS entry point for the llama forward pass:
//   new LlamaModelHandle(path, hparams, tensors, options)
//   handle.forward(batch[, into]) -> Promise<Float32Array>   (one call at a time: EBUSY)
//     into: a Float32Array of at least logitRows.length * n_vocab floats that
//     the logits are written to, off the JS thread (the promise resolves to
//     it); without it, a new array each call. Reusing one array per step
//     spares an allocation of fresh pages and a copy on the JS thread.
//   handle.forward(batch, into, sample) -> Promise<{ logits, sampled }>
//     sample: { params, rng, history, historyStarts, rows } as the addon's
//     sample() takes them (rows[i]: the logit row request i draws from);
//     the rows are sampled right after the forward, on its thread, and
//     sampled is what sample() resolves to. A decode step then costs one
//     trip through the JS thread instead of two.
//   handle.copyBlocks(Int32Array src,dst,...) -> Promise<void>  (EBUSY likewise)
//   handle.close()
//   handle.info() -> { kvCacheBytes, threads, tensorParallel, kvBlocks, blockSize,
//                      mappedBytes, packedBytes, scratchBytes }
// options: { threads, kvBlocks, blockSize, attention, packWeights?, tensorParallel? }
// The TS wrapper (libs/engine/src/runtime) validates first and gives the
// friendly messages; the checks here keep a direct caller from crashing the
// process. Batch arrays are copied into a plain C++ struct on the main
// thread, so the worker thread never touches a JS value.
#include <napi.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bindings/napi_errors.h"
#include "bindings/registry.h"
#include "model/llama_runtime.h"
#include "model/model_error.h"
#include "sampling/sample_job.h"

namespace tessera {

namespace {

bool read_number(Napi::Object o, const char* key, double* out) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return false;
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

// Reads an integer property in [lo, hi]; throws into JS and returns false otherwise.
bool read_int(Napi::Env env, Napi::Object o, const char* key, int64_t lo, int64_t hi, int64_t* out) {
  double d;
  if (!read_number(o, key, &d) || d != static_cast<double>(static_cast<int64_t>(d)) || d < lo || d > hi) {
    throw_coded(env, "EINVAL", std::string(key) + " must be an integer in " + std::to_string(lo) + ".." +
                                   std::to_string(hi));
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool read_hparams(Napi::Env env, Napi::Object o, LlamaHParams* hp) {
  int64_t v;
  const int64_t big = 1 << 24;
#define TESSERA_HP_INT(key, field, lo)                    \
  if (!read_int(env, o, key, lo, big, &v)) return false; \
  hp->field = static_cast<int>(v);
  TESSERA_HP_INT("nLayer", n_layer, 1)
  TESSERA_HP_INT("nEmbd", n_embd, 1)
  TESSERA_HP_INT("nHead", n_head, 1)
  TESSERA_HP_INT("nHeadKv", n_head_kv, 1)
  TESSERA_HP_INT("headDim", head_dim, 2)
  TESSERA_HP_INT("nFf", n_ff, 1)
  TESSERA_HP_INT("nVocab", n_vocab, 1)
  TESSERA_HP_INT("nRot", n_rot, 2)
  TESSERA_HP_INT("nCtxTrain", n_ctx_train, 0)
#undef TESSERA_HP_INT
  double d;
  if (!read_number(o, "rmsEps", &d) || !(d > 0)) return throw_coded(env, "EINVAL", "rmsEps must be > 0"), false;
  hp->rms_eps = static_cast<float>(d);
  if (!read_number(o, "ropeFreqBase", &d) || !(d > 0)) {
    return throw_coded(env, "EINVAL", "ropeFreqBase must be > 0"), false;
  }
  hp->rope_freq_base = static_cast<float>(d);
  if (!read_number(o, "ropeFreqScale", &d) || !(d > 0)) {
    return throw_coded(env, "EINVAL", "ropeFreqScale must be > 0"), false;
  }
  hp->rope_freq_scale = static_cast<float>(d);
  if (hp->n_head % hp->n_head_kv != 0 || hp->n_rot > hp->head_dim || hp->n_rot % 2 != 0) {
    return throw_coded(env, "EINVAL", "nHead must be a multiple of nHeadKv and nRot an even number <= headDim"),
           false;
  }
  return true;
}

bool read_tensors(Napi::Env env, Napi::Value value, std::vector<TensorLocation>* out) {
  if (!value.IsArray()) return throw_coded(env, "EINVAL", "tensors must be an array"), false;
  Napi::Array arr = value.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    if (!e.IsObject()) return throw_coded(env, "EINVAL", "tensors[] entries must be objects"), false;
    Napi::Object o = e.As<Napi::Object>();
    TensorLocation t;
    if (!o.Get("name").IsString()) return throw_coded(env, "EINVAL", "tensor name must be a string"), false;
    t.name = o.Get("name").As<Napi::String>().Utf8Value();
    int64_t v;
    const int64_t max_safe = 9007199254740991LL;
    if (!read_int(env, o, "type", 0, 1 << 20, &v)) return false;
    t.type = static_cast<GgmlType>(v);
    if (!read_int(env, o, "offset", 0, max_safe, &v)) return false;
    t.offset = static_cast<uint64_t>(v);
    if (!read_int(env, o, "nBytes", 0, max_safe, &v)) return false;
    t.n_bytes = static_cast<uint64_t>(v);
    Napi::Value dims = o.Get("dims");
    if (!dims.IsArray()) return throw_coded(env, "EINVAL", "tensor dims must be an array of numbers"), false;
    Napi::Array da = dims.As<Napi::Array>();
    for (uint32_t j = 0; j < da.Length(); ++j) {
      Napi::Value dv = da.Get(j);
      if (!dv.IsNumber()) return throw_coded(env, "EINVAL", "tensor dims must be numbers"), false;
      t.dims.push_back(static_cast<int64_t>(dv.As<Napi::Number>().DoubleValue()));
    }
    out->push_back(std::move(t));
  }
  return true;
}

bool read_i32_array(Napi::Env env, Napi::Object batch, const char* key, std::vector<int32_t>* out) {
  Napi::Value v = batch.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    return throw_coded(env, "EINVAL", std::string("batch.") + key + " must be an Int32Array"), false;
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  out->assign(a.Data(), a.Data() + a.ElementLength());
  return true;
}

Napi::Error from_model_error(Napi::Env env, const ModelError& e) { return coded_error(env, e.code().c_str(), e.what()); }

class LlamaModelHandle;

class ForwardWorker : public Napi::AsyncWorker {
 public:
  ForwardWorker(Napi::Env env, LlamaModelHandle* owner, Napi::Object self, std::shared_ptr<LlamaRuntime> rt,
                ForwardBatch batch, Napi::Float32Array into, std::unique_ptr<SampleJob> sample);
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  void sample_rows();

  Napi::Promise::Deferred deferred_;
  LlamaModelHandle* owner_;
  Napi::ObjectReference self_;  // keeps the handle alive while we run
  std::shared_ptr<LlamaRuntime> rt_;
  ForwardBatch batch_;
  const float* logits_ = nullptr;
  // The caller's output array, if any: referenced so it outlives the call;
  // its data pointer is taken on the JS thread.
  Napi::Reference<Napi::Float32Array> into_;
  float* into_data_ = nullptr;
  std::unique_ptr<SampleJob> sample_;  // requests on this step's logits, if any
  std::string error_code_;
};

// Copies KV blocks off the JS thread (a copy touches every layer).
class CopyBlocksWorker : public Napi::AsyncWorker {
 public:
  CopyBlocksWorker(Napi::Env env, LlamaModelHandle* owner, Napi::Object self, std::shared_ptr<LlamaRuntime> rt,
                   std::vector<int32_t> pairs);
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  LlamaModelHandle* owner_;
  Napi::ObjectReference self_;
  std::shared_ptr<LlamaRuntime> rt_;
  std::vector<int32_t> pairs_;
  std::string error_code_;
};

class LlamaModelHandle : public Napi::ObjectWrap<LlamaModelHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LlamaModelHandle",
                       {InstanceMethod("forward", &LlamaModelHandle::Forward),
                        InstanceMethod("copyBlocks", &LlamaModelHandle::CopyBlocks),
                        InstanceMethod("close", &LlamaModelHandle::Close),
                        InstanceMethod("info", &LlamaModelHandle::Info)});
  }

  explicit LlamaModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LlamaModelHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsString() || !info[1].IsObject() || !info[3].IsObject()) {
      throw_coded(env, "EINVAL", "expected (path, hparams, tensors, options)");
      return;
    }
    LlamaHParams hp;
    std::vector<TensorLocation> tensors;
    if (!read_hparams(env, info[1].As<Napi::Object>(), &hp)) return;
    if (!read_tensors(env, info[2], &tensors)) return;
    Napi::Object o = info[3].As<Napi::Object>();
    RuntimeOptions opt;
    int64_t v;
    if (!read_int(env, o, "threads", 1, 512, &v)) return;
    opt.threads = static_cast<int>(v);
    if (!read_int(env, o, "kvBlocks", 1, 1 << 24, &v)) return;
    opt.kv_blocks = static_cast<int>(v);
    if (!read_int(env, o, "blockSize", 1, 4096, &v)) return;
    opt.block_size = static_cast<int>(v);
    if (!read_int(env, o, "attention", 0, 1, &v)) return;
    opt.attention = static_cast<AttentionMode>(v);
    Napi::Value pack = o.Get("packWeights");
    if (!pack.IsUndefined()) {
      if (!pack.IsBoolean()) {
        throw_coded(env, "EINVAL", "packWeights must be a boolean");
        return;
      }
      opt.pack_weights = pack.As<Napi::Boolean>().Value();
    }
    if (!o.Get("tensorParallel").IsUndefined()) {
      if (!read_int(env, o, "tensorParallel", 1, 64, &v)) return;
      opt.tensor_parallel = static_cast<int>(v);
    }
    try {
      runtime_ = std::make_shared<LlamaRuntime>(info[0].As<Napi::String>().Utf8Value(), hp, tensors, opt);
    } catch (const ModelError& e) {
      from_model_error(env, e).ThrowAsJavaScriptException();
    } catch (const std::exception& e) {
      throw_coded(env, "ENOMEM", std::string("cannot load model: ") + e.what());
    }
  }

  void finish() { busy_ = false; }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!runtime_) return throw_coded(env, "ECLOSED", "the model was closed; load it again");
    if (busy_) return throw_coded(env, "EBUSY", "a forward call is already running on this model; await it first");
    if (info.Length() < 1 || !info[0].IsObject()) return throw_coded(env, "EINVAL", "forward expects a batch object");
    Napi::Object b = info[0].As<Napi::Object>();
    ForwardBatch batch;
    if (!read_i32_array(env, b, "tokens", &batch.tokens) || !read_i32_array(env, b, "positions", &batch.positions) ||
        !read_i32_array(env, b, "seqStarts", &batch.seq_starts) || !read_i32_array(env, b, "seqLens", &batch.seq_lens) ||
        !read_i32_array(env, b, "blockTables", &batch.block_tables) ||
        !read_i32_array(env, b, "slotMapping", &batch.slot_mapping) ||
        !read_i32_array(env, b, "logitRows", &batch.logit_rows)) {
      return env.Undefined();
    }
    int64_t mb;
    if (!read_int(env, b, "maxBlocksPerSeq", 1, 1 << 24, &mb)) return env.Undefined();
    batch.max_blocks_per_seq = static_cast<int32_t>(mb);
    Napi::Float32Array into;
    if (info.Length() >= 2 && !info[1].IsUndefined()) {
      const size_t need = batch.logit_rows.size() * static_cast<size_t>(runtime_->hparams().n_vocab);
      if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
          info[1].As<Napi::Float32Array>().ElementLength() < need) {
        return throw_coded(env, "EINVAL", "forward's output must be a Float32Array of logitRows.length * n_vocab floats");
      }
      into = info[1].As<Napi::Float32Array>();
    }
    std::unique_ptr<SampleJob> sample;
    if (info.Length() >= 3 && !info[2].IsUndefined()) {
      if (!info[2].IsObject()) return throw_coded(env, "EINVAL", "forward's sample argument must be an object");
      sample = std::make_unique<SampleJob>();
      if (!parse_sample_job_for_rows(env, info[2].As<Napi::Object>(), runtime_->hparams().n_vocab,
                                     batch.logit_rows.size(), sample.get())) {
        return env.Undefined();
      }
    }
    busy_ = true;
    auto* worker = new ForwardWorker(env, this, Value(), runtime_, std::move(batch), into, std::move(sample));
    Napi::Promise p = worker->Promise();
    worker->Queue();
    // The forward's threads slept when the last one ended; wake them while
    // libuv hands the call to a thread, not after.
    runtime_->prewake();
    return p;
  }

  Napi::Value CopyBlocks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!runtime_) return throw_coded(env, "ECLOSED", "the model was closed; load it again");
    if (busy_) return throw_coded(env, "EBUSY", "a forward or copy call is already running on this model; await it first");
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      return throw_coded(env, "EINVAL", "copyBlocks expects an Int32Array of (src, dst) pairs");
    }
    Napi::Int32Array a = info[0].As<Napi::Int32Array>();
    std::vector<int32_t> pairs(a.Data(), a.Data() + a.ElementLength());
    busy_ = true;
    auto* worker = new CopyBlocksWorker(env, this, Value(), runtime_, std::move(pairs));
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (busy_) return throw_coded(info.Env(), "EBUSY", "cannot close the model while a forward call runs");
    runtime_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!runtime_) return throw_coded(env, "ECLOSED", "the model was closed");
    Napi::Object o = Napi::Object::New(env);
    o.Set("kvCacheBytes", Napi::Number::New(env, static_cast<double>(runtime_->kv_cache_bytes())));
    o.Set("threads", Napi::Number::New(env, runtime_->threads()));
    o.Set("tensorParallel", Napi::Number::New(env, runtime_->tensor_parallel()));
    o.Set("kvBlocks", Napi::Number::New(env, runtime_->kv_blocks()));
    o.Set("blockSize", Napi::Number::New(env, runtime_->block_size()));
    o.Set("mappedBytes", Napi::Number::New(env, static_cast<double>(runtime_->mapped_bytes())));
    o.Set("packedBytes", Napi::Number::New(env, static_cast<double>(runtime_->packed_bytes())));
    o.Set("scratchBytes", Napi::Number::New(env, static_cast<double>(runtime_->scratch_bytes())));
    return o;
  }

  std::shared_ptr<LlamaRuntime> runtime_;
  bool busy_ = false;  // only touched on the JS thread
};

ForwardWorker::ForwardWorker(Napi::Env env, LlamaModelHandle* owner, Napi::Object self,
                             std::shared_ptr<LlamaRuntime> rt, ForwardBatch batch, Napi::Float32Array into,
                             std::unique_ptr<SampleJob> sample)
    : Napi::AsyncWorker(env, "tessera.forward"),
      deferred_(Napi::Promise::Deferred::New(env)),
      owner_(owner),
      self_(Napi::Persistent(self)),
      rt_(std::move(rt)),
      batch_(std::move(batch)),
      sample_(std::move(sample)) {
  if (!into.IsEmpty()) {
    into_ = Napi::Persistent(into);
    into_data_ = into.Data();
  }
}

void ForwardWorker::Execute() {
  try {
    logits_ = rt_->forward(batch_);
    const size_t n = batch_.logit_rows.size() * static_cast<size_t>(rt_->hparams().n_vocab);
    if (into_data_ && n) std::memcpy(into_data_, logits_, n * sizeof(float));
    if (sample_) {
      sample_->logits = logits_;
      sample_->n_logits = n;
      sample_rows();
    }
  } catch (const ModelError& e) {
    error_code_ = e.code();
    SetError(e.what());
  } catch (const std::exception& e) {
    error_code_ = "ENOMEM";
    SetError(std::string("forward failed: ") + e.what());
  }
}

// The requests spread over the forward's threads, which are idle now: one
// request per task (a drawn row costs ~1 ms, a greedy one ~45 us).
void ForwardWorker::sample_rows() {
  SampleJob* job = sample_.get();
  const size_t n = job->params.size();
  if (n < 2 || rt_->pool_threads() < 2) return run_sample_job(job);
  size_sample_results(job);
  std::vector<SamplerScratch> scratch(static_cast<size_t>(rt_->pool_threads()));
  // The sampler allocates (its scratch grows): an exception must not leave
  // a pool thread, so it is caught there and raised again here.
  std::atomic<bool> out_of_memory{false};
  rt_->parallel_for(static_cast<int64_t>(n), [&](int64_t i, int thread) {
    try {
      run_sample_requests(job, static_cast<size_t>(i), static_cast<size_t>(i) + 1, scratch[static_cast<size_t>(thread)]);
    } catch (const std::exception&) {
      out_of_memory.store(true);
    }
  });
  if (out_of_memory.load()) throw std::bad_alloc();
}

void ForwardWorker::OnOK() {
  Napi::Env env = Env();
  Napi::Float32Array out;
  if (into_data_) {
    out = into_.Value();
  } else {
    const size_t n = batch_.logit_rows.size() * static_cast<size_t>(rt_->hparams().n_vocab);
    out = Napi::Float32Array::New(env, n);
    if (n) std::memcpy(out.Data(), logits_, n * sizeof(float));
  }
  owner_->finish();
  if (!sample_) {
    deferred_.Resolve(out);
    return;
  }
  Napi::Object both = Napi::Object::New(env);
  both.Set("logits", out);
  both.Set("sampled", sample_results_to_js(env, *sample_));
  deferred_.Resolve(both);
}

void ForwardWorker::OnError(const Napi::Error& e) {
  owner_->finish();
  deferred_.Reject(coded_error(Env(), error_code_.c_str(), e.Message()).Value());
}

CopyBlocksWorker::CopyBlocksWorker(Napi::Env env, LlamaModelHandle* owner, Napi::Object self,
                                   std::shared_ptr<LlamaRuntime> rt, std::vector<int32_t> pairs)
    : Napi::AsyncWorker(env, "tessera.copyBlocks"),
      deferred_(Napi::Promise::Deferred::New(env)),
      owner_(owner),
      self_(Napi::Persistent(self)),
      rt_(std::move(rt)),
      pairs_(std::move(pairs)) {}

void CopyBlocksWorker::Execute() {
  try {
    rt_->copy_blocks(pairs_);
  } catch (const ModelError& e) {
    error_code_ = e.code();
    SetError(e.what());
  }
}

void CopyBlocksWorker::OnOK() {
  owner_->finish();
  deferred_.Resolve(Env().Undefined());
}

void CopyBlocksWorker::OnError(const Napi::Error& e) {
  owner_->finish();
  deferred_.Reject(coded_error(Env(), error_code_.c_str(), e.Message()).Value());
}

void InitModelBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("LlamaModelHandle", LlamaModelHandle::Define(env));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(model, InitModelBindings)

}  // namespace tessera
