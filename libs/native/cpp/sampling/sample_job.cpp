#include "sampling/sample_job.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "bindings/napi_errors.h"

namespace tessera {

namespace {

constexpr int kParamsPerRow = 8;
constexpr int kRngPerRow = 3;

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

// params, rng, history and historyStarts of `requests` requests.
bool parse_requests(Napi::Env env, Napi::Object o, size_t requests, SampleJob* job) {
  std::vector<float> params;
  std::vector<uint32_t> rng;
  if (!read_typed(env, o, "params", napi_float32_array, &params) || !read_typed(env, o, "rng", napi_uint32_array, &rng) ||
      !read_typed(env, o, "history", napi_int32_array, &job->history) ||
      !read_typed(env, o, "historyStarts", napi_int32_array, &job->history_starts)) {
    return false;
  }
  if (params.size() != requests * kParamsPerRow || rng.size() != requests * kRngPerRow ||
      job->history_starts.size() != requests + 1) {
    throw_coded(env, "EINVAL", "sample: params, rng and historyStarts must match the number of logit rows");
    return false;
  }
  for (size_t r = 0; r < requests; ++r) {
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

}  // namespace

bool parse_sample_job(Napi::Env env, Napi::Object o, SampleJob* job) {
  if (!read_logits(env, o, job)) return false;
  Napi::Value nv = o.Get("nVocab");
  const double n_vocab = nv.IsNumber() ? nv.As<Napi::Number>().DoubleValue() : -1;
  if (!(n_vocab >= 1 && n_vocab <= (1 << 30)) || std::floor(n_vocab) != n_vocab ||
      job->n_logits % static_cast<size_t>(n_vocab) != 0) {
    throw_coded(env, "EINVAL", "sample: nVocab must be a positive integer dividing logits.length");
    return false;
  }
  job->n_vocab = static_cast<int32_t>(n_vocab);
  return parse_requests(env, o, job->n_logits / job->n_vocab, job);
}

bool parse_sample_job_for_rows(Napi::Env env, Napi::Object o, int32_t n_vocab, size_t n_rows, SampleJob* job) {
  job->n_vocab = n_vocab;
  if (!read_typed(env, o, "rows", napi_int32_array, &job->rows)) return false;
  for (int32_t r : job->rows) {
    if (r < 0 || static_cast<size_t>(r) >= n_rows) {
      throw_coded(env, "EINVAL", "sample: rows must index the batch's logit rows");
      return false;
    }
  }
  return parse_requests(env, o, job->rows.size(), job);
}

void run_sample_job(SampleJob* job) {
  SamplerScratch scratch;
  size_sample_results(job);
  run_sample_requests(job, 0, job->params.size(), scratch);
}

void size_sample_results(SampleJob* job) { job->results.resize(job->params.size()); }

void run_sample_requests(SampleJob* job, size_t begin, size_t end, SamplerScratch& scratch) {
  for (size_t i = begin; i < end; ++i) {
    const size_t row = job->rows.empty() ? i : static_cast<size_t>(job->rows[i]);
    const int32_t h0 = job->history_starts[i];
    job->results[i] = sample_row(job->logits + row * job->n_vocab, job->n_vocab, job->params[i],
                                 job->history.data() + h0, job->history_starts[i + 1] - h0, scratch);
  }
}

Napi::Object sample_results_to_js(Napi::Env env, const SampleJob& job) {
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

}  // namespace tessera
