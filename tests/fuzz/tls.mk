# libFuzzer harness of lib/tls13.c (paths relative to services/): arbitrary
# bytes into a server engine, or into a client engine after its ClientHello.
# Seeds: tests/fuzz/corpus/tls13/.

FUZZERS += fuzz_tls13

fuzz_tls13_SRCS := ../tests/fuzz/fuzz_tls13.c
fuzz_tls13_LIBS := -lbearssl

# lib/pemfile.c (certificate chain, private key, trust anchors) over
# memory.  Seeds: tests/fuzz/corpus/pem/.
FUZZERS += fuzz_pem
fuzz_pem_SRCS := ../tests/fuzz/fuzz_pem.c
fuzz_pem_LIBS := -lbearssl
