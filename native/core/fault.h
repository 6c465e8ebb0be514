// Fault injection for tests: arms the next few allocations or thread creations at the points that
// call FailIfArmed to fail as the system would fail them, so tests can show that such a failure
// becomes a JavaScript error (never a crash, a leak or a hang). Inert unless armed: a disarmed point
// costs one relaxed atomic load. Armed only through the addon's internal `_injectFault`.
#pragma once

#include <atomic>
#include <cerrno>
#include <new>
#include <system_error>

namespace nnbench {

/** What an armed point makes fail. */
enum class Fault : int {
  kAlloc = 0,   // an allocation: throws std::bad_alloc
  kThread = 1,  // a thread creation: throws std::system_error(EAGAIN), as std::thread does
};
constexpr int kFaultKinds = 2;

namespace fault_detail {
struct Armed {
  std::atomic<int> skip{0};   // points of this kind that still pass before failures start
  std::atomic<int> count{0};  // failures still to come
};
inline Armed g_armed[kFaultKinds];
}  // namespace fault_detail

/** Makes the `count` points of kind `kind` after the next `skip` ones fail; count 0 disarms. */
inline void ArmFault(Fault kind, int skip, int count) {
  fault_detail::Armed& armed = fault_detail::g_armed[static_cast<int>(kind)];
  armed.count.store(0, std::memory_order_relaxed);
  armed.skip.store(skip, std::memory_order_relaxed);
  armed.count.store(count, std::memory_order_release);
}

/** True, using up one armed failure, when this point of kind `kind` is to fail. */
inline bool FaultFires(Fault kind) {
  fault_detail::Armed& armed = fault_detail::g_armed[static_cast<int>(kind)];
  int left = armed.count.load(std::memory_order_acquire);
  if (left <= 0) return false;
  int skip = armed.skip.load(std::memory_order_relaxed);
  while (skip > 0) {
    if (armed.skip.compare_exchange_weak(skip, skip - 1, std::memory_order_acq_rel)) return false;
  }
  while (left > 0) {
    if (armed.count.compare_exchange_weak(left, left - 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

/** Throws what the operation of kind `kind` throws on failure, when this point is to fail. */
inline void FailIfArmed(Fault kind) {
  if (!FaultFires(kind)) return;
  if (kind == Fault::kThread) {
    throw std::system_error(EAGAIN, std::generic_category(), "cannot start a thread");
  }
  throw std::bad_alloc();
}

}  // namespace nnbench
