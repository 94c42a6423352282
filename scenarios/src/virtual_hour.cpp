// virtual-hour (expected: pass). Sleeping an hour of virtual time takes no real time.
//
// One coroutine in an IOThread sleeps for one hour on the virtual clock. While it sleeps nothing is enabled: the
// IOThread is parked in its blocking poll with the timer's deadline, the main thread in its own poll without one.
// The executor then moves the virtual clock straight to the earliest deadline (a clock jump, part of the trace)
// instead of waiting.
//
//   sim thread 0 (main)            sim thread 1 (IOThread)                   virtual clock
//   -------------------            -----------------------                   -------------
//   start IOThread                                                           0
//   aio_co_schedule(sleeper) ----> bh: enter sleeper
//   poll(home, blocking)           sleeper: start = clock_ns(virtual)         0
//     (parked, no deadline)        sleep_ns(virtual, 1 h): arm timer, yield
//                                  poll(blocking, deadline 1 h) (parked)
//   -- nothing enabled, one deadline pending: the clock jumps ------------>  3'600'000'000'000
//                                  timer fires: enter sleeper
//                                  slept = clock_ns - start; done -> notify
//   wakes, joins the IOThread
//   checks slept >= 1 h and clock_ns(virtual) >= 1 h
//
// Properties: the coroutine slept at least the hour it asked for, and the run ends with the virtual clock at or
// past one hour (RunResult::end_ns too, checked by the tests).

#include <cstdint>

#include <corosim/coroutine.hpp>
#include <corosim/iothread.hpp>
#include <corosim/scenario.hpp>

#include "common.hpp"

namespace corosim::scenarios::detail {
namespace {

constexpr int64_t kHourNs = int64_t{3600} * 1'000'000'000;

COROSIM_SCENARIO("virtual-hour",
                 "a coroutine sleeps one hour of virtual time; the clock jumps, the run takes microseconds") {
  MainWait wait;
  int64_t slept_ns = -1;
  {
    IOThread t;
    aio_co_schedule(t.context(), coroutine_create([&] {
                      int64_t start_ns = clock_ns(ClockType::virtual_);
                      sleep_ns(ClockType::virtual_, kHourNs);
                      slept_ns = clock_ns(ClockType::virtual_) - start_ns;
                      wait.done();
                    }));
    wait.wait_for(1);
  }
  if (slept_ns < kHourNs)
    sim::fail("virtual-hour: slept " + std::to_string(slept_ns) + " ns, expected at least " +
              std::to_string(kHourNs));
  int64_t end_ns = clock_ns(ClockType::virtual_);
  if (end_ns < kHourNs)
    sim::fail("virtual-hour: the virtual clock ends at " + std::to_string(end_ns) + " ns, expected at least " +
              std::to_string(kHourNs));
}

}  // namespace
}  // namespace corosim::scenarios::detail
