#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sampling/log_sum_exp.h"
#include "sampling/rng.h"

namespace tessera {

namespace {

// The k largest entries of x, best first; ties go to the lower id.
void top_ids(const float* x, int32_t n, int32_t k, std::vector<int32_t>& ids) {
  auto better = [x](int32_t a, int32_t b) { return x[a] > x[b] || (x[a] == x[b] && a < b); };
  k = std::min(k, n);
  if (k > 0 && static_cast<int64_t>(k) * 8 <= n) {
    // Few wanted (top logprobs, top-k, a top-p head): one pass keeping the k
    // best in a heap whose front is the worst kept. Every later id is larger
    // than the kept ones, so it gets in only by a strictly greater logit, and
    // most entries cost one comparison. `better` being a strict total order,
    // the result is the same as the selection below.
    ids.resize(k);
    for (int32_t i = 0; i < k; ++i) ids[i] = i;
    std::make_heap(ids.begin(), ids.end(), better);
    float worst = x[ids.front()];
    for (int32_t i = k; i < n; ++i) {
      if (!(x[i] > worst)) continue;
      std::pop_heap(ids.begin(), ids.end(), better);
      ids.back() = i;
      std::push_heap(ids.begin(), ids.end(), better);
      worst = x[ids.front()];
    }
    std::sort(ids.begin(), ids.end(), better);
    return;
  }
  ids.resize(n);
  for (int32_t i = 0; i < n; ++i) ids[i] = i;
  // `better` is a strict total order (ties by id), so selecting the k best
  // and sorting just them equals a partial sort, in linear time.
  if (k < n) std::nth_element(ids.begin(), ids.begin() + k, ids.end(), better);
  std::sort(ids.begin(), ids.begin() + k, better);
  ids.resize(k);
}

// Top-p without top-k: the best-first prefix reaching `top_p` is usually a
// few dozen tokens, so sort a head of the vocabulary, growing it only while
// its mass falls short, instead of sorting all of it. Returns the mass of
// every token (for normalising), relative to the best logit.
double top_p_head(const float* x, int32_t n, float top_p, std::vector<int32_t>& ids) {
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  double total = 0.0;
  for (int32_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(x[i]) - max);
  for (int32_t head = std::min<int32_t>(n, 256);; head = std::min<int64_t>(n, static_cast<int64_t>(head) * 8)) {
    top_ids(x, n, head, ids);
    double cum = 0.0;
    for (int32_t id : ids) {
      cum += std::exp(static_cast<double>(x[id]) - max);
      if (cum / total >= top_p) return total;
    }
    if (head == n) return total;
  }
}

bool has_penalties(const SamplingParams& p, int64_t n_history) {
  return n_history > 0 && (p.repetition_penalty != 1.0f || p.presence_penalty != 0.0f || p.frequency_penalty != 0.0f);
}

void apply_penalties(float* x, int32_t n_vocab, const SamplingParams& p, const int32_t* history, int64_t n_history,
                     std::vector<int32_t>& sorted) {
  sorted.assign(history, history + n_history);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const int32_t tok = sorted[i];
    const float count = static_cast<float>(j - i);
    i = j;
    if (tok < 0 || tok >= n_vocab) continue;
    float& v = x[tok];
    if (p.repetition_penalty != 1.0f) v = v > 0 ? v / p.repetition_penalty : v * p.repetition_penalty;
    v -= count * p.frequency_penalty + p.presence_penalty;
  }
}

int32_t argmax(const float* x, int32_t n) {
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i) {
    if (x[i] > x[best]) best = i;
  }
  return best;
}

// argmax(x) when `max` is x's maximum ignoring NaN (as log_sum_exp reports
// it): the first entry equal to it. Same answer as argmax, NaN rows included:
// argmax keeps entry 0 when it is NaN, and when nothing equals max (all NaN).
int32_t first_max(const float* x, int32_t n, float max) {
  if (std::isnan(x[0])) return 0;
  for (int32_t i = 0; i < n; ++i) {
    if (x[i] == max) return i;
  }
  return 0;
}

// Draws from softmax(src / temperature) restricted by top-k, top-p, min-p.
// The scaled logits go to `work` (src may be work itself).
int32_t draw(const float* src, int32_t n, const SamplingParams& p, std::vector<float>& work, std::vector<int32_t>& ids,
             std::vector<double>& probs) {
  const float inv_t = 1.0f / p.temperature;
  work.resize(n);  // no reallocation when src is work: it already holds n
  float* x = work.data();
  for (int32_t i = 0; i < n; ++i) x[i] = src[i] * inv_t;
  // Top-k and top-p need candidates best first; otherwise every token is a
  // candidate in id order and nothing is sorted.
  const int32_t k = (p.top_k > 0 && p.top_k < n) ? p.top_k : n;
  const bool sorted = k < n || p.top_p < 1.0f;
  double all_mass = 0.0;  // set when only a head of the vocabulary is sorted
  if (k < n) {
    top_ids(x, n, k, ids);
  } else if (sorted) {
    all_mass = top_p_head(x, n, p.top_p, ids);
  } else {
    ids.resize(n);
    for (int32_t i = 0; i < n; ++i) ids[i] = i;
  }
  float max = -std::numeric_limits<float>::infinity();
  for (int32_t id : ids) max = std::max(max, x[id]);
  probs.resize(ids.size());
  double total = 0.0;
  for (size_t i = 0; i < ids.size(); ++i) total += probs[i] = std::exp(static_cast<double>(x[ids[i]]) - max);
  if (all_mass > 0.0) total = all_mass;  // the head holds the best token, so max is the same
  size_t keep = ids.size();
  if (p.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
    double cum = 0.0;
    for (size_t i = 0; i < keep; ++i) {
      cum += probs[i] / total;
      if (cum >= p.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  if (p.min_p > 0.0f) {  // the best token has probs == 1: keep probs >= min_p
    size_t w = 0;
    for (size_t i = 0; i < keep; ++i) {
      if (probs[i] >= p.min_p) {
        ids[w] = ids[i];
        probs[w++] = probs[i];
      }
    }
    keep = w;
  }
  double kept = 0.0;
  for (size_t i = 0; i < keep; ++i) kept += probs[i];
  const double target = uniform01(p.seed, p.step) * kept;
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += probs[i];
    if (target < cum) return ids[i];
  }
  return ids[keep - 1];
}

}  // namespace

SampleResult sample_row(const float* logits, int32_t n_vocab, const SamplingParams& p, const int32_t* history,
                        int64_t n_history, SamplerScratch& s) {
  SampleResult r;
  float max;
  const double lse = log_sum_exp(logits, n_vocab, &max);
  if (p.top_logprobs > 0) {
    top_ids(logits, n_vocab, p.top_logprobs, s.ids);
    for (int32_t id : s.ids) r.top.emplace_back(id, static_cast<float>(logits[id] - lse));
  }
  // The raw logits are read in place; only penalties need a modified copy.
  const bool penalised = has_penalties(p, n_history);
  if (penalised) {
    s.work.assign(logits, logits + n_vocab);
    apply_penalties(s.work.data(), n_vocab, p, history, n_history, s.history);
  }
  const float* x = penalised ? s.work.data() : logits;
  if (p.temperature <= 0.0f) {
    r.token = penalised ? argmax(x, n_vocab) : first_max(logits, n_vocab, max);
  } else {
    r.token = draw(x, n_vocab, p, s.work, s.ids, s.probs);
  }
  r.logprob = static_cast<float>(logits[r.token] - lse);
  return r;
}

}  // namespace tessera
