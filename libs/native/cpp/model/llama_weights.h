// Hyper-parameters and weight views of a dense `llama`-architecture model
// (Llama 2/3, Mistral, TinyLlama, SmolLM). Views point into the mapped file.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "matmul/matmul.h"
#include "model/mapped_file.h"

namespace tessera {

struct LlamaHParams {
  int n_layer = 0;
  int n_embd = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;   // key/value length per head
  int n_ff = 0;
  int n_vocab = 0;
  int n_rot = 0;      // rotated dimensions per head (== head_dim for llama)
  int n_ctx_train = 0;
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
};

// Where one tensor lives in the file, as the GGUF reader found it.
struct TensorLocation {
  std::string name;
  GgmlType type;
  std::vector<int64_t> dims;  // ggml ne order: dims[0] is the row length
  uint64_t offset = 0;        // absolute byte offset in the file
  uint64_t n_bytes = 0;
};

struct LlamaLayerWeights {
  const float* attn_norm = nullptr;
  WeightView wq, wk, wv, wo;
  const float* ffn_norm = nullptr;
  WeightView w_gate, w_up, w_down;
};

struct LlamaWeights {
  std::shared_ptr<MappedFile> file;
  WeightView token_embd;
  const float* output_norm = nullptr;
  WeightView output;                   // token_embd again when the model ties them
  const float* rope_freqs = nullptr;   // llama3-style per-frequency divisors, or null
  std::vector<LlamaLayerWeights> layers;
};

// Maps `path` and resolves every tensor the graph needs, checking names,
// shapes, types and that each lies inside the file. Throws ModelError.
LlamaWeights bind_llama_weights(const std::string& path, const LlamaHParams& hp,
                                const std::vector<TensorLocation>& tensors);

}  // namespace tessera
