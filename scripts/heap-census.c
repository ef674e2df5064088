// Counts a process's live heap allocations by requested size: the census behind the
// "Idle keep-alive connections" figures in the README (not part of the build or CI).
//
//   gcc -O2 -shared -fPIC -o /tmp/heap-census.so scripts/heap-census.c
//   LD_PRELOAD=/tmp/heap-census.so .build/release/failover-proxy run --config proxy.conf &
//   kill -USR2 $PID    # before: writes /tmp/heap-census.PID.0 ("size count" lines)
//   ... open 1,000 idle keep-alive connections ...
//   kill -USR2 $PID    # after: /tmp/heap-census.PID.1; the difference is per connection
//
// A fixed open-addressing table (4M entries) behind a spin lock: fine for a census, far
// too slow for a benchmark.
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

#define BITS 22
#define CAP (1u << BITS)
#define TOMBSTONE ((uintptr_t)1)
static uintptr_t keys[CAP];
static uint32_t sizes[CAP];
static volatile int busy;

static void lock(void) { while (__sync_lock_test_and_set(&busy, 1)) {} }
static void unlock(void) { __sync_lock_release(&busy); }
static size_t slot(uintptr_t p) { return (size_t)(((p >> 4) * 11400714819323198485ull) >> (64 - BITS)); }

static void remember(void *p, size_t n) {
    if (!p) return;
    lock();
    size_t i = slot((uintptr_t)p);
    while (keys[i] > TOMBSTONE && keys[i] != (uintptr_t)p) i = (i + 1) & (CAP - 1);
    keys[i] = (uintptr_t)p;
    sizes[i] = (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX);
    unlock();
}

static void forget(void *p) {
    if (!p) return;
    lock();
    for (size_t i = slot((uintptr_t)p); keys[i]; i = (i + 1) & (CAP - 1)) {
        if (keys[i] == (uintptr_t)p) { keys[i] = TOMBSTONE; break; }
    }
    unlock();
}

void *malloc(size_t n) { void *p = __libc_malloc(n); remember(p, n); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); remember(p, a * b); return p; }
void *realloc(void *old, size_t n) { forget(old); void *p = __libc_realloc(old, n); remember(p, n); return p; }
void free(void *p) { forget(p); __libc_free(p); }
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); remember(p, n); return p; }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    void *p = __libc_memalign(a, n);
    if (!p) return 12;  // ENOMEM
    remember(p, n);
    *out = p;
    return 0;
}

static void dump(int signal) {
    (void)signal;
    static uint32_t histogram[65536];
    static int generation;
    memset(histogram, 0, sizeof histogram);
    lock();
    for (size_t i = 0; i < CAP; i++) {
        if (keys[i] > TOMBSTONE) histogram[sizes[i] < 65535 ? sizes[i] : 65535]++;
    }
    unlock();
    char path[64];
    snprintf(path, sizeof path, "/tmp/heap-census.%d.%d", getpid(), generation++);
    FILE *out = fopen(path, "w");
    if (!out) return;
    for (int n = 0; n < 65536; n++) {
        if (histogram[n]) fprintf(out, "%d %u\n", n, histogram[n]);
    }
    fclose(out);
}

__attribute__((constructor)) static void install(void) { signal(SIGUSR2, dump); }
