#pragma once
// The clocks a coroutine can sleep on (QEMU's QEMU_CLOCK_REALTIME / _VIRTUAL / _HOST).
// On the real platform they read the OS clocks; in the simulator all three are one virtual clock.

namespace corosim {

enum class ClockType {
  realtime,  // monotonic, never stops (QEMU_CLOCK_REALTIME)
  virtual_,  // guest time; in the real build it follows the monotonic clock (no guest to pause it)
  host,      // wall-clock time of the host, may jump (QEMU_CLOCK_HOST)
};

}  // namespace corosim
