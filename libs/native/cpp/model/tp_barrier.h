// A reusable barrier for the ranks of one tensor-parallel group. Ranks reach
// it microseconds apart when each has its own core, so a waiter spins a
// little first; the machines we run on are often oversubscribed, though, and
// a rank whose peer is not scheduled must not burn the core that peer needs,
// so it then sleeps on a condition variable.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>

namespace tessera {

// Thrown to a rank waiting at a barrier that another rank abandoned.
class RankAborted : public std::exception {
 public:
  const char* what() const noexcept override { return "another tensor-parallel rank failed"; }
};

class RankBarrier {
 public:
  explicit RankBarrier(int n_parties) : n_(n_parties) {}

  // Returns once all n parties have arrived. Throws RankAborted if abort()
  // was called before the last one arrived.
  void arrive_and_wait();

  // Releases every waiter (and every later arrival) with RankAborted.
  void abort();
  // Clears an abort and any partial arrivals; only while no rank is inside.
  void reset();

 private:
  const int n_;
  std::atomic<int> arrived_{0};
  std::atomic<uint64_t> phase_{0};
  std::atomic<bool> aborted_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace tessera
