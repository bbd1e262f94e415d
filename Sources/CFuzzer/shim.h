// libFuzzer's driver, for a program that owns its main (Fuzz/Entry.swift). The definition comes
// with -sanitize=fuzzer; nothing references it in a normal build.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
