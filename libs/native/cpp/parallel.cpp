#include "parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace tessera {

bool run_chunks(int64_t n_items, int64_t chunk, int threads, const std::atomic<bool>* cancel, const ChunkFn& fn) {
  if (n_items <= 0) return !(cancel && cancel->load());
  chunk = std::max<int64_t>(1, chunk);
  const int64_t n_chunks = (n_items + chunk - 1) / chunk;
  std::atomic<int64_t> next{0};
  std::atomic<bool> cancelled{false};
  auto worker = [&]() {
    for (;;) {
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        cancelled.store(true);
        return;
      }
      const int64_t c = next.fetch_add(1);
      if (c >= n_chunks) return;
      const int64_t begin = c * chunk;
      fn(begin, std::min(n_items, begin + chunk));
    }
  };
  const int n_threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, n_chunks)));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(n_threads - 1));
  for (int t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return !cancelled.load();
}

int64_t pick_chunk(int64_t n_items, int threads, int64_t min_items) {
  const int64_t per_thread_share = (n_items + 8 * threads - 1) / (8 * static_cast<int64_t>(std::max(1, threads)));
  return std::max<int64_t>({1, per_thread_share, min_items});
}

}  // namespace tessera
