// Matrix multiplication bindings.
#include <napi.h>

namespace nnbench {

void InitMatmul(Napi::Env /*env*/, Napi::Object /*exports*/) {}

}  // namespace nnbench
