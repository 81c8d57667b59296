# libFuzzer harness of the JSON writer and flat-object reader (lib/json.c;
# paths relative to services/).  Seeds: tests/fuzz/corpus/json/.
FUZZERS += fuzz_json
fuzz_json_SRCS := ../tests/fuzz/fuzz_json.c
