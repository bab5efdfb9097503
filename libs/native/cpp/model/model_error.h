// The one exception type the model code throws. `code` travels to JavaScript
// unchanged (as the error's `code` property) so the TS wrapper can map it to
// its typed errors.
#pragma once
#include <stdexcept>
#include <string>

namespace tessera {

class ModelError : public std::runtime_error {
 public:
  ModelError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace tessera
