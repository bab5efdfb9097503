// JS entry point for sampling:
//   sample({ logits, nVocab, params, rng, history, historyStarts })
//     -> Promise<{ tokens, logprobs, topTokens, topLogprobs, maxTop }>
//   sampleSync(same request) -> the same object, computed on the calling thread
// params: 8 floats per row (temperature, topK, topP, minP, repetition,
// presence, frequency, topLogprobs); rng: 3 uint32 per row (seed high, seed
// low, step). The TS wrapper (libs/engine/src/runtime/sampling.ts) validates
// and packs; this file copies the small inputs, reads the logits in place
// (holding a reference to their array until the work is done; the caller must
// not modify them before the promise settles) and runs off the JS thread.
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bindings/napi_errors.h"
#include "bindings/registry.h"
#include "sampling/sampler.h"

namespace tessera {

namespace {

constexpr int kParamsPerRow = 8;
constexpr int kRngPerRow = 3;

struct SampleJob {
  // The caller's logits, read in place off the JS thread; the reference keeps
  // their buffer alive until the worker is destroyed (on the JS thread).
  Napi::ObjectReference logits_ref;
  const float* logits = nullptr;
  size_t n_logits = 0;
  int32_t n_vocab = 0;
  std::vector<SamplingParams> params;
  std::vector<int32_t> history;
  std::vector<int32_t> history_starts;
  std::vector<SampleResult> results;
  int32_t max_top = 0;
};

template <typename T>
bool read_typed(Napi::Env env, Napi::Object o, const char* key, napi_typedarray_type type, std::vector<T>* out) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw_coded(env, "EINVAL", std::string("sample: ") + key + " has the wrong type");
    return false;
  }
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  out->assign(a.Data(), a.Data() + a.ElementLength());
  return true;
}

bool read_logits(Napi::Env env, Napi::Object o, SampleJob* job) {
  Napi::Value v = o.Get("logits");
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_coded(env, "EINVAL", "sample: logits has the wrong type");
    return false;
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  job->logits = a.Data();
  job->n_logits = a.ElementLength();
  job->logits_ref = Napi::Persistent(a.As<Napi::Object>());
  return true;
}

bool parse(Napi::Env env, Napi::Object o, SampleJob* job) {
  std::vector<float> params;
  std::vector<uint32_t> rng;
  if (!read_logits(env, o, job) || !read_typed(env, o, "params", napi_float32_array, &params) ||
      !read_typed(env, o, "rng", napi_uint32_array, &rng) ||
      !read_typed(env, o, "history", napi_int32_array, &job->history) ||
      !read_typed(env, o, "historyStarts", napi_int32_array, &job->history_starts)) {
    return false;
  }
  Napi::Value nv = o.Get("nVocab");
  const double n_vocab = nv.IsNumber() ? nv.As<Napi::Number>().DoubleValue() : -1;
  if (!(n_vocab >= 1 && n_vocab <= (1 << 30)) || std::floor(n_vocab) != n_vocab ||
      job->n_logits % static_cast<size_t>(n_vocab) != 0) {
    throw_coded(env, "EINVAL", "sample: nVocab must be a positive integer dividing logits.length");
    return false;
  }
  job->n_vocab = static_cast<int32_t>(n_vocab);
  const size_t rows = job->n_logits / job->n_vocab;
  if (params.size() != rows * kParamsPerRow || rng.size() != rows * kRngPerRow ||
      job->history_starts.size() != rows + 1) {
    throw_coded(env, "EINVAL", "sample: params, rng and historyStarts must match the number of logit rows");
    return false;
  }
  for (size_t r = 0; r < rows; ++r) {
    const int32_t h0 = job->history_starts[r], h1 = job->history_starts[r + 1];
    if (h0 < 0 || h1 < h0 || static_cast<size_t>(h1) > job->history.size()) {
      throw_coded(env, "EINVAL", "sample: historyStarts must be non-decreasing offsets into history");
      return false;
    }
    const float* f = params.data() + r * kParamsPerRow;
    SamplingParams p;
    p.temperature = f[0];
    p.top_k = static_cast<int32_t>(f[1]);
    p.top_p = f[2];
    p.min_p = f[3];
    p.repetition_penalty = f[4];
    p.presence_penalty = f[5];
    p.frequency_penalty = f[6];
    p.top_logprobs = std::min<int32_t>(static_cast<int32_t>(f[7]), job->n_vocab);
    if (!(p.repetition_penalty > 0) || p.top_logprobs < 0 || !std::isfinite(p.temperature)) {
      throw_coded(env, "EINVAL", "sample: repetition penalty must be > 0, topLogprobs >= 0, temperature finite");
      return false;
    }
    p.seed = (static_cast<uint64_t>(rng[r * kRngPerRow]) << 32) | rng[r * kRngPerRow + 1];
    p.step = rng[r * kRngPerRow + 2];
    job->max_top = std::max(job->max_top, p.top_logprobs);
    job->params.push_back(p);
  }
  return true;
}

// Samples every row of the job (any thread: reads the logits, writes results).
void run_job(SampleJob* job) {
  SamplerScratch scratch;
  const size_t rows = job->params.size();
  job->results.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    const int32_t h0 = job->history_starts[r];
    job->results[r] = sample_row(job->logits + r * job->n_vocab, job->n_vocab, job->params[r], job->history.data() + h0,
                                 job->history_starts[r + 1] - h0, scratch);
  }
}

// The results as the JS object both entry points return (JS thread).
Napi::Object results_to_js(Napi::Env env, const SampleJob& job) {
  const size_t rows = job.results.size();
  const size_t top = static_cast<size_t>(job.max_top);
  Napi::Int32Array tokens = Napi::Int32Array::New(env, rows);
  Napi::Float32Array logprobs = Napi::Float32Array::New(env, rows);
  Napi::Int32Array top_tokens = Napi::Int32Array::New(env, rows * top);
  Napi::Float32Array top_logprobs = Napi::Float32Array::New(env, rows * top);
  for (size_t r = 0; r < rows; ++r) {
    const SampleResult& s = job.results[r];
    tokens[r] = s.token;
    logprobs[r] = s.logprob;
    for (size_t i = 0; i < top; ++i) {
      const bool has = i < s.top.size();
      top_tokens[r * top + i] = has ? s.top[i].first : -1;
      top_logprobs[r * top + i] = has ? s.top[i].second : NAN;
    }
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("tokens", tokens);
  out.Set("logprobs", logprobs);
  out.Set("topTokens", top_tokens);
  out.Set("topLogprobs", top_logprobs);
  out.Set("maxTop", Napi::Number::New(env, static_cast<double>(top)));
  return out;
}

class SampleWorker : public Napi::AsyncWorker {
 public:
  SampleWorker(Napi::Env env, SampleJob job)
      : Napi::AsyncWorker(env, "tessera.sample"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { run_job(&job_); }
  void OnOK() override { deferred_.Resolve(results_to_js(Env(), job_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(coded_error(Env(), "ENOMEM", e.Message()).Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  SampleJob job_;
};

Napi::Value Sample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return throw_coded(env, "EINVAL", "sample expects a request object");
  SampleJob job;
  if (!parse(env, info[0].As<Napi::Object>(), &job)) return env.Undefined();
  auto* worker = new SampleWorker(env, std::move(job));
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

// The same work on the calling thread. For a few greedy rows (tens of
// microseconds each) the round trip through libuv's pool costs more than the
// work, and more still while the forward pass's threads hold the cores.
Napi::Value SampleSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return throw_coded(env, "EINVAL", "sampleSync expects a request object");
  SampleJob job;
  if (!parse(env, info[0].As<Napi::Object>(), &job)) return env.Undefined();
  try {
    run_job(&job);
  } catch (const std::bad_alloc&) {
    return throw_coded(env, "ENOMEM", "sampleSync: out of memory");
  }
  return results_to_js(env, job);
}

void InitSamplingBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("sample", Napi::Function::New(env, Sample, "sample"));
  exports.Set("sampleSync", Napi::Function::New(env, SampleSync, "sampleSync"));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(sampling, InitSamplingBindings)

}  // namespace tessera
