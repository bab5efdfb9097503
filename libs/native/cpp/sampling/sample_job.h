// A batch of sampling requests as the addon's JS entry points receive them
// (see sampling_bindings.cpp for the shape): parsed on the JS thread, run on
// any thread, turned back into JS on the JS thread. Shared by sample /
// sampleSync and by the model's forward, which can sample its logit rows
// in the same call.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "sampling/sampler.h"

namespace tessera {

struct SampleJob {
  // The logits, read in place off the JS thread. For sample / sampleSync
  // they are the caller's array, kept alive by logits_ref until the job is
  // destroyed (on the JS thread); for forward they are the model's output.
  Napi::ObjectReference logits_ref;
  const float* logits = nullptr;
  size_t n_logits = 0;
  int32_t n_vocab = 0;
  std::vector<SamplingParams> params;
  std::vector<int32_t> history;
  std::vector<int32_t> history_starts;
  // Request i samples logits row rows[i] (empty: row i).
  std::vector<int32_t> rows;
  std::vector<SampleResult> results;
  int32_t max_top = 0;
};

// Reads { logits, nVocab, params, rng, history, historyStarts } into `job`;
// on a bad request throws a coded EINVAL into JS and returns false.
bool parse_sample_job(Napi::Env env, Napi::Object o, SampleJob* job);

// The same request without logits, for `n_rows` logit rows of `n_vocab`
// that come later (forward's output): { params, rng, history,
// historyStarts, rows } with rows[i] < n_rows the row request i samples.
bool parse_sample_job_for_rows(Napi::Env env, Napi::Object o, int32_t n_vocab, size_t n_rows, SampleJob* job);

// Samples every request (any thread: reads the logits, writes results).
void run_sample_job(SampleJob* job);

// The same in pieces, for several threads: size the results first, then
// sample requests [begin, end) with a scratch of each thread's own.
void size_sample_results(SampleJob* job);
void run_sample_requests(SampleJob* job, size_t begin, size_t end, SamplerScratch& scratch);

// { tokens, logprobs, topTokens, topLogprobs, maxTop } (JS thread).
Napi::Object sample_results_to_js(Napi::Env env, const SampleJob& job);

}  // namespace tessera
