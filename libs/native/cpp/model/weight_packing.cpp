#include "model/weight_packing.h"

namespace tessera {

PackedModel pack_llama_weights(LlamaWeights& w, ThreadPool& pool) {
  std::vector<WeightView*> views;
  for (auto& L : w.layers) {
    for (WeightView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) views.push_back(v);
  }
  views.push_back(&w.output);
  PackedModel out;
  out.owners.resize(views.size());
  pool.run(static_cast<int64_t>(views.size()), [&](int64_t i, int) {
    if (packed_weights_bytes(*views[i]) > 0) out.owners[i] = PackedWeights(*views[i]);
  });
  for (size_t i = 0; i < views.size(); ++i) {
    if (out.owners[i].bytes() == 0) continue;
    *views[i] = out.owners[i].view();
    out.bytes += out.owners[i].bytes();
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
