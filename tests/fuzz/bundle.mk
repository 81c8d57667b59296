# Fuzzer of the update bundle parsers (lib/bundle.c): manifest, key ring,
# header + signature check; the input's first byte picks which.
FUZZERS += fuzz_bundle
fuzz_bundle_SRCS := ../tests/fuzz/fuzz_bundle.c
fuzz_bundle_LIBS := -lbearssl
