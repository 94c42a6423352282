#pragma once
// The built-in scenarios, one per file in this directory; registry.cpp lists them in a fixed order.
// Private to scenarios/src.

#include <corosim/scenarios/registry.hpp>

namespace corosim::scenarios::detail {

Scenario comutex_contention();      // comutex_contention.cpp
Scenario rwlock_readers_writers();  // rwlock_readers_writers.cpp
Scenario virtual_hour();            // virtual_hour.cpp
Scenario lost_wakeup_handoff();     // lost_wakeup_handoff.cpp
Scenario lock_order_deadlock();     // lock_order_deadlock.cpp
Scenario reschedule_self_race();    // reschedule_self_race.cpp

}  // namespace corosim::scenarios::detail
