# Unit test of the signed update bundle (lib/bundle.c): header, key ring,
# signature check, manifest parser and formatter.  Paths relative to services/.
UNIT_TESTS += test_bundle
test_bundle_SRCS := ../tests/unit/test_bundle.c
test_bundle_LIBS := -lbearssl
