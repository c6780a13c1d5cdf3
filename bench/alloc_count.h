/* A malloc family that counts before it calls glibc's, for the benchmark and the test that
 * measure heap allocations per call (bench_stubs, tests/runtime/test_allocations). Linking
 * alloc_count.c into a program replaces its malloc, calloc, realloc and free; not for the
 * sanitizer builds, whose runtimes own malloc. */
#ifndef ALLOC_COUNT_H
#define ALLOC_COUNT_H

/* The malloc, calloc and realloc calls so far: of every thread, and of the calling one. */
unsigned long alloc_count_all(void);
unsigned long alloc_count_mine(void);

#endif
