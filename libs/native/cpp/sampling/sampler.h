// Token sampling for one row of logits. Order of operations:
//   penalties (repetition, presence, frequency over the token history)
//   -> greedy argmax when temperature <= 0
//   -> temperature -> top-k -> top-p -> min-p -> one seeded draw.
// Reported log-probabilities are always the log-softmax of the RAW logits
// (before penalties and temperature), as the reference's reports are.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace tessera {

struct SamplingParams {
  float temperature = 0.0f;        // <= 0: greedy
  int32_t top_k = 0;               // <= 0: off
  float top_p = 1.0f;              // >= 1: off
  float min_p = 0.0f;              // <= 0: off
  float repetition_penalty = 1.0f;  // 1: off; > 1 discourages repeats
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int32_t top_logprobs = 0;        // how many (token, logprob) pairs to report
  uint64_t seed = 0;
  uint64_t step = 0;               // draw counter: tokens generated so far
};

struct SampleResult {
  int32_t token = -1;
  float logprob = 0.0f;
  std::vector<std::pair<int32_t, float>> top;  // best first
};

// Reusable buffers so repeated calls do not allocate.
struct SamplerScratch {
  std::vector<float> work;
  std::vector<int32_t> ids;
  std::vector<int32_t> history;
  std::vector<double> probs;
};

SampleResult sample_row(const float* logits, int32_t n_vocab, const SamplingParams& p, const int32_t* history,
                        int64_t n_history, SamplerScratch& scratch);

}  // namespace tessera
