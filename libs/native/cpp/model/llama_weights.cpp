#include "model/llama_weights.h"

#include <unordered_map>

#include "model/model_error.h"

namespace tessera {

namespace {

using TensorIndex = std::unordered_map<std::string, const TensorLocation*>;

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

const TensorLocation* find(const TensorIndex& index, const std::string& name, bool required) {
  auto it = index.find(name);
  if (it != index.end()) return it->second;
  if (required) throw ModelError("EMISSINGTENSOR", "model file has no tensor '" + name + "'");
  return nullptr;
}

const uint8_t* tensor_bytes(const MappedFile& file, const TensorLocation& t) {
  if (t.offset > file.size() || t.n_bytes > file.size() - t.offset) {
    throw ModelError("EBADTENSOR", "tensor '" + t.name + "' lies outside the file (truncated download?)");
  }
  return file.data() + t.offset;
}

void expect_dims(const TensorLocation& t, std::vector<int64_t> want) {
  std::vector<int64_t> got = t.dims;
  while (got.size() > want.size() && got.back() == 1) got.pop_back();
  if (got != want) {
    throw ModelError("EBADSHAPE", "tensor '" + t.name + "' has shape " + dims_text(t.dims) +
                                      ", expected " + dims_text(want));
  }
}

const float* f32_vector(const MappedFile& file, const TensorLocation& t, int64_t n) {
  expect_dims(t, {n});
  if (t.type != GgmlType::F32) {
    throw ModelError("EBADTYPE", "tensor '" + t.name + "' must be F32 (norm weights are never quantized)");
  }
  const uint8_t* p = tensor_bytes(file, t);
  if (reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) {
    throw ModelError("EBADTENSOR", "tensor '" + t.name + "' is not 4-byte aligned in the file");
  }
  return reinterpret_cast<const float*>(p);
}

WeightView matrix(const MappedFile& file, const TensorLocation& t, int64_t cols, int64_t rows) {
  expect_dims(t, {cols, rows});
  if (!matmul_supports(t.type)) {
    throw ModelError("EUNSUPPORTEDTYPE", "tensor '" + t.name + "' has type id " +
                                             std::to_string(static_cast<int>(t.type)) +
                                             ", which the CPU matmul does not support");
  }
  WeightView w{};
  w.type = t.type;
  w.data = tensor_bytes(file, t);
  w.rows = rows;
  w.cols = cols;
  w.row_bytes = rows > 0 ? static_cast<size_t>(t.n_bytes / static_cast<uint64_t>(rows)) : 0;
  if (w.row_bytes * static_cast<uint64_t>(rows) != t.n_bytes) {
    throw ModelError("EBADTENSOR", "tensor '" + t.name + "' byte size is not a whole number of rows");
  }
  return w;
}

}  // namespace

LlamaWeights bind_llama_weights(const std::string& path, const LlamaHParams& hp,
                                const std::vector<TensorLocation>& tensors) {
  TensorIndex index;
  for (const auto& t : tensors) index[t.name] = &t;

  LlamaWeights w;
  w.file = std::make_shared<MappedFile>(path);
  const MappedFile& f = *w.file;
  const int64_t E = hp.n_embd, V = hp.n_vocab, F = hp.n_ff;
  const int64_t q_dim = static_cast<int64_t>(hp.n_head) * hp.head_dim;
  const int64_t kv_dim = static_cast<int64_t>(hp.n_head_kv) * hp.head_dim;

  w.token_embd = matrix(f, *find(index, "token_embd.weight", true), E, V);
  w.output_norm = f32_vector(f, *find(index, "output_norm.weight", true), E);
  const TensorLocation* out = find(index, "output.weight", false);
  w.output = out ? matrix(f, *out, E, V) : w.token_embd;
  if (const TensorLocation* rf = find(index, "rope_freqs.weight", false)) {
    w.rope_freqs = f32_vector(f, *rf, hp.n_rot / 2);
  }
  for (int l = 0; l < hp.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    LlamaLayerWeights L;
    L.attn_norm = f32_vector(f, *find(index, p + "attn_norm.weight", true), E);
    L.wq = matrix(f, *find(index, p + "attn_q.weight", true), E, q_dim);
    L.wk = matrix(f, *find(index, p + "attn_k.weight", true), E, kv_dim);
    L.wv = matrix(f, *find(index, p + "attn_v.weight", true), E, kv_dim);
    L.wo = matrix(f, *find(index, p + "attn_output.weight", true), q_dim, E);
    L.ffn_norm = f32_vector(f, *find(index, p + "ffn_norm.weight", true), E);
    L.w_gate = matrix(f, *find(index, p + "ffn_gate.weight", true), E, F);
    L.w_up = matrix(f, *find(index, p + "ffn_up.weight", true), E, F);
    L.w_down = matrix(f, *find(index, p + "ffn_down.weight", true), F, E);
    w.layers.push_back(L);
  }
  return w;
}

}  // namespace tessera
