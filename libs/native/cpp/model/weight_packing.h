// Load-time packing of a llama model's matmul weights. The AVX-512 kernels
// read 8 or 16 rows interleaved and run up to 3-4x faster than on the GGUF
// layout (see matmul.h). Packing copies each matrix once, all into one
// buffer on 2 MiB pages (see matmul/huge_page_buffer.h); the mapped pages
// of the originals are then released, so resident memory stays about one
// copy of the weights. The embedding table keeps its mapped rows for
// lookups (a tied output matrix gets a packed copy for the logits).
#pragma once
#include <cstddef>

#include "matmul/huge_page_buffer.h"
#include "matmul/matmul.h"
#include "model/llama_weights.h"
#include "model/thread_pool.h"

namespace tessera {

struct PackedModel {
  HugePageBuffer arena;  // the packed matrices, one after another
  size_t bytes = 0;      // packed copies in memory
};

// Packs every matrix of `w` that has a packed kernel on this CPU, pointing
// its view at the copy. Matrices are packed in parallel on `pool`.
PackedModel pack_llama_weights(LlamaWeights& w, ThreadPool& pool);

}  // namespace tessera
