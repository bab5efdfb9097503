// Splits [0, n_items) into fixed chunks and runs them on `threads` threads
// (the caller's thread included). Chunks are claimed from a shared counter,
// so the split never changes which items a chunk holds: results of
// item-independent work are the same for any thread count.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>

namespace tessera {

using ChunkFn = std::function<void(int64_t begin, int64_t end)>;

// Returns false when `cancel` was seen set (checked before every chunk); the
// chunks that already started still finish.
bool run_chunks(int64_t n_items, int64_t chunk, int threads, const std::atomic<bool>* cancel, const ChunkFn& fn);

// A chunk length giving each thread several chunks (for balance and prompt
// cancellation) while keeping every chunk at least `min_items` long.
int64_t pick_chunk(int64_t n_items, int threads, int64_t min_items);

}  // namespace tessera
