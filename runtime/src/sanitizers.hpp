#pragma once
// Stack-switch annotations for AddressSanitizer and ThreadSanitizer (fiber API). Empty in plain builds.

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define COROSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COROSIM_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define COROSIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COROSIM_TSAN 1
#endif
#endif

#ifdef COROSIM_ASAN
extern "C" void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, std::size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, std::size_t *size_old);
#endif
#ifdef COROSIM_TSAN
extern "C" void *__tsan_get_current_fiber(void);
extern "C" void *__tsan_create_fiber(unsigned flags);
extern "C" void __tsan_destroy_fiber(void *fiber);
extern "C" void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif
