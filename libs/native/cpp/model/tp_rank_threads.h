// The threads that drive the ranks of a CPU tensor-parallel group: rank 0
// runs on the caller, ranks 1..N-1 on persistent threads that sleep between
// steps. Each rank then spreads its own work over its own ThreadPool.
//
// Ranks meet at barriers inside a step, so they must all run at once: a
// ThreadPool would let one thread run two ranks in turn and deadlock.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

class RankThreads {
 public:
  explicit RankThreads(int n_ranks);
  ~RankThreads();
  RankThreads(const RankThreads&) = delete;
  RankThreads& operator=(const RankThreads&) = delete;

  // Runs fn(rank) for every rank concurrently; returns when all are done.
  // fn must not throw. One call at a time.
  void run(const std::function<void(int)>& fn);

 private:
  void loop(int rank);

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* fn_ = nullptr;
  uint64_t generation_ = 0;
  int running_ = 0;
  bool stop_ = false;
};

}  // namespace tessera
