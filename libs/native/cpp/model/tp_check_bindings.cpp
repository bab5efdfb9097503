// Test hook for the tensor-parallel rank machinery (tp_rank_threads.h,
// tp_exchange.h, tp_barrier.h) without a model:
//   checkRankExchange(nRanks, rounds, failRank, failRound)
//     -> { mismatches, aborted, failed }
// N ranks run `rounds` all-gathers (alternating the two buffers, as a layer
// does) of values that name the rank, round, row and column, and check every
// gathered value. With failRank >= 0 that rank first throws at failRound of
// a run: the others must leave their barrier (counted in `aborted`), not
// hang; then, after reset(), a clean run must check out (`mismatches`).
#include <napi.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bindings/napi_errors.h"
#include "bindings/registry.h"
#include "model/tp_exchange.h"
#include "model/tp_rank_threads.h"

namespace tessera {

namespace {

constexpr int64_t kRows = 3, kCols = 40;

float value(int rank, int round, int64_t row, int64_t col) {
  return static_cast<float>((rank * 7919 + round * 131 + row * 31 + col) % 65536);
}

struct Counts {
  std::atomic<int64_t> mismatches{0};
  std::atomic<int> aborted{0}, failed{0};
};

void run_ranks(RankThreads& threads, CpuRankExchange& ex, int rounds, int fail_rank, int fail_round, Counts* c) {
  ex.reset();
  threads.run([&](int rank) {
    std::vector<float> part(kRows * kCols);
    int64_t bad = 0;
    try {
      for (int round = 0; round < rounds; ++round) {
        if (rank == fail_rank && round == fail_round) throw std::runtime_error("injected rank failure");
        for (int64_t t = 0; t < kRows; ++t) {
          for (int64_t j = 0; j < kCols; ++j) part[t * kCols + j] = value(rank, round, t, j);
        }
        // Vary the interleavings: some ranks arrive late.
        if ((round + rank) % 7 == 0) std::this_thread::yield();
        const auto which = round % 2 ? CpuRankExchange::kOutput : CpuRankExchange::kInput;
        const float* all = ex.all_gather(which, rank, part.data(), kRows, kCols);
        for (int q = 0; q < ex.ranks(); ++q) {
          for (int64_t t = 0; t < kRows; ++t) {
            for (int64_t j = 0; j < kCols; ++j) bad += all[t * kCols * ex.ranks() + q * kCols + j] != value(q, round, t, j);
          }
        }
      }
    } catch (const RankAborted&) {
      ++c->aborted;
    } catch (const std::exception&) {
      ++c->failed;
      ex.abort();
    }
    c->mismatches += bad;
  });
}

Napi::Value CheckRankExchange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) {
    return throw_coded(env, "EINVAL", "checkRankExchange(nRanks, rounds, failRank, failRound) takes four numbers");
  }
  const int n = info[0].As<Napi::Number>().Int32Value(), rounds = info[1].As<Napi::Number>().Int32Value();
  const int fail_rank = info[2].As<Napi::Number>().Int32Value(), fail_round = info[3].As<Napi::Number>().Int32Value();
  if (n < 1 || n > 16 || rounds < 0 || rounds > 100000) return throw_coded(env, "EINVAL", "nRanks 1..16, rounds 0..100000");
  RankThreads threads(n);
  CpuRankExchange ex(n);
  ex.reserve(static_cast<size_t>(kRows * kCols * n));
  Counts failing, clean;
  if (fail_rank >= 0) run_ranks(threads, ex, rounds, fail_rank, fail_round, &failing);
  run_ranks(threads, ex, rounds, -1, -1, &clean);
  Napi::Object o = Napi::Object::New(env);
  o.Set("mismatches", Napi::Number::New(env, static_cast<double>(clean.mismatches.load())));
  o.Set("aborted", Napi::Number::New(env, failing.aborted.load() + clean.aborted.load()));
  o.Set("failed", Napi::Number::New(env, failing.failed.load() + clean.failed.load()));
  return o;
}

void InitTpCheckBindings(Napi::Env env, Napi::Object exports) {
  exports.Set("checkRankExchange", Napi::Function::New(env, CheckRankExchange));
}

}  // namespace

TESSERA_REGISTER_BINDINGS(tp_check, InitTpCheckBindings)

}  // namespace tessera
