/*
 * sanitizer.h - TG_SANITIZER_RUNTIME is 1 in the host test builds with
 * ASan/UBSan (MODE=host, fuzz), 0 in the product.  The sandbox code uses
 * it to let the sanitizer runtime do what it needs (a few syscalls, a few
 * files); the product never has these allowances.
 */
#ifndef TG_SANITIZER_H
#define TG_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define TG_SANITIZER_RUNTIME 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define TG_SANITIZER_RUNTIME 1
#endif
#endif
#ifndef TG_SANITIZER_RUNTIME
#define TG_SANITIZER_RUNTIME 0
#endif

#endif
