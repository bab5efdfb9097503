// Cancellation tokens handed to JS as opaque externals: the TS wrapper makes
// one per call that has an AbortSignal and calls cancel() on abort; the job
// shares the atomic flag and checks it between chunks.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

namespace tessera {

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// The flag behind a token created by createCancelToken, or nullptr when `v`
// is anything else (foreign externals included: only live tokens match).
CancelFlag cancel_flag_of(Napi::Value v);

Napi::Value CreateCancelToken(const Napi::CallbackInfo& info);
Napi::Value CancelTokenCancel(const Napi::CallbackInfo& info);

}  // namespace tessera
