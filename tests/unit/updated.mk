# Unit tests of the update agent's pure parts (services/updated): the state,
# release and configuration formats, the certificate's name, and the rules
# its helper role applies to every request.
UNIT_TESTS += test_updated_state test_updated_check
test_updated_state_SRCS := ../tests/unit/test_updated_state.c updated/state.c updated/conf.c
test_updated_check_SRCS := ../tests/unit/test_updated_check.c updated/helper_check.c updated/state.c
test_updated_state_LIBS := -lbearssl
test_updated_check_LIBS := -lbearssl
