#include "cancel_token.h"

#include <mutex>
#include <unordered_set>

#include "napi_errors.h"

namespace tessera {

namespace {

struct CancelToken {
  CancelFlag flag = std::make_shared<std::atomic<bool>>(false);
};

// Live tokens, so an arbitrary external is never dereferenced as one.
std::mutex g_mutex;
std::unordered_set<const CancelToken*> g_live;

CancelToken* live_token(Napi::Value v) {
  if (!v.IsExternal()) return nullptr;
  CancelToken* t = static_cast<CancelToken*>(v.As<Napi::External<void>>().Data());
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_live.count(t) ? t : nullptr;
}

}  // namespace

CancelFlag cancel_flag_of(Napi::Value v) {
  CancelToken* t = live_token(v);
  return t ? t->flag : nullptr;
}

Napi::Value CreateCancelToken(const Napi::CallbackInfo& info) {
  CancelToken* t = new CancelToken();
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_live.insert(t);
  }
  return Napi::External<void>::New(info.Env(), t, [](Napi::Env, void* p) {
    CancelToken* token = static_cast<CancelToken*>(p);
    {
      std::lock_guard<std::mutex> lock(g_mutex);
      g_live.erase(token);
    }
    delete token;  // running jobs keep their own reference to the flag
  });
}

Napi::Value CancelTokenCancel(const Napi::CallbackInfo& info) {
  CancelToken* t = info.Length() > 0 ? live_token(info[0]) : nullptr;
  if (!t) return throw_coded(info.Env(), "EINVAL", "cancel() expects a token from createCancelToken()");
  t->flag->store(true);
  return info.Env().Undefined();
}

}  // namespace tessera
