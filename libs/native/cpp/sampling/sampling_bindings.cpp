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
#include "sampling/sample_job.h"

namespace tessera {

namespace {

class SampleWorker : public Napi::AsyncWorker {
 public:
  SampleWorker(Napi::Env env, SampleJob job)
      : Napi::AsyncWorker(env, "tessera.sample"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { run_sample_job(&job_); }
  void OnOK() override { deferred_.Resolve(sample_results_to_js(Env(), job_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(coded_error(Env(), "ENOMEM", e.Message()).Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  SampleJob job_;
};

Napi::Value Sample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return throw_coded(env, "EINVAL", "sample expects a request object");
  SampleJob job;
  if (!parse_sample_job(env, info[0].As<Napi::Object>(), &job)) return env.Undefined();
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
  if (!parse_sample_job(env, info[0].As<Napi::Object>(), &job)) return env.Undefined();
  try {
    run_sample_job(&job);
  } catch (const std::bad_alloc&) {
    return throw_coded(env, "ENOMEM", "sampleSync: out of memory");
  }
  return sample_results_to_js(env, job);
}

void InitSamplingBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("sample", Napi::Function::New(env, Sample, "sample"));
  exports.Set("sampleSync", Napi::Function::New(env, SampleSync, "sampleSync"));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(sampling, InitSamplingBindings)

}  // namespace tessera
