#include "model/weight_packing.h"

#include <vector>

namespace tessera {

PackedModel pack_llama_weights(LlamaWeights& w, ThreadPool& pool) {
  std::vector<WeightView*> views;
  for (auto& L : w.layers) {
    for (WeightView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) views.push_back(v);
  }
  views.push_back(&w.output);
  // Each copy starts on a cache line; layers follow each other in the order
  // a forward pass reads them.
  std::vector<size_t> offset(views.size()), size(views.size());
  size_t total = 0;
  for (size_t i = 0; i < views.size(); ++i) {
    size[i] = packed_weights_bytes(*views[i]);
    offset[i] = total;
    total += (size[i] + 63) / 64 * 64;
  }
  PackedModel out;
  if (total == 0) return out;
  out.arena = HugePageBuffer(total);
  out.bytes = total;
  uint8_t* base = out.arena.data();
  pool.run(static_cast<int64_t>(views.size()), [&](int64_t i, int) {
    if (size[i] > 0) pack_weights(*views[i], base + offset[i]);
  });
  for (size_t i = 0; i < views.size(); ++i) {
    if (size[i] == 0) continue;
    views[i]->packed = base + offset[i];
    w.file->release(views[i]->data, views[i]->row_bytes * static_cast<size_t>(views[i]->rows));
  }
  // Once no matmul streams the embedding table, only lookups read it.
  const WeightView& emb = w.token_embd;
  if (w.output.data != emb.data || w.output.packed) {
    w.file->advise_random(emb.data, emb.row_bytes * static_cast<size_t>(emb.rows));
  }
  return out;
}

}  // namespace tessera
