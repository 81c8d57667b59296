# Unit test of the JSON writer and flat-object reader (lib/json.c; paths
# relative to services/).
UNIT_TESTS += test_json
test_json_SRCS := ../tests/unit/test_json.c
