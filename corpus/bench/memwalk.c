/* memwalk.c: a memory-bound workload with Sv39 on (crt0vm.S: S-mode,
   every RAM page the program uses mapped by its own 4 KiB PTE). Over
   8 MiB of arrays, three kernels that touch memory the way real code
   does, each checked on its own and all folded into one checksum:
   - a pointer chase around one random cycle through 1 Mi 4-byte slots
     (Sattolo's shuffle: a single cycle, so it returns to its start after
     exactly N steps);
   - a strided stream over the 4 MiB data array (a sum that must equal
     the closed form of what was written);
   - a random scatter (histogram increments whose total must equal the
     number of increments).
   EXPECTED is the checksum established on QEMU 7.2 and on the engine
   (both must pass). */
#include <stdint.h>

#define N (1u << 20)            /* slots: 4 MiB per array */
#define CHASE_ROUNDS 2
#define STREAM_PASSES 3
#define SCATTER (1u << 20)
#define HBUCKETS (1u << 16)

#ifndef EXPECTED
#define EXPECTED 0
#endif

static uint32_t next_slot[N] __attribute__((aligned(4096)));
static uint32_t data[N] __attribute__((aligned(4096)));
static uint32_t hist[HBUCKETS] __attribute__((aligned(4096)));

/* Page tables: root, one level-1 table, and level-0 tables for the first
   32 MiB of RAM (16 of them). */
#define L0_TABLES 16
static uint64_t pt_root[512] __attribute__((aligned(4096)));
static uint64_t pt_l1[512] __attribute__((aligned(4096)));
static uint64_t pt_l0[L0_TABLES][512] __attribute__((aligned(4096)));

#define PTE_V 0x1
#define PTE_R 0x2
#define PTE_W 0x4
#define PTE_X 0x8
#define PTE_A 0x40
#define PTE_D 0x80

/* vm_setup runs in M-mode with translation off: RAM 0x80000000.. is
   mapped 4 KiB page by 4 KiB page, identity, R W X A D; the first
   gigapage (the devices: the finisher at 0x100000) identity, R W A D. */
uint64_t vm_setup(void) {
	pt_root[0] = (0x0ull >> 2) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
	pt_root[2] = ((uint64_t)(uintptr_t)pt_l1 >> 2) | PTE_V;
	for (int t = 0; t < L0_TABLES; t++) {
		pt_l1[t] = ((uint64_t)(uintptr_t)pt_l0[t] >> 2) | PTE_V;
		for (int i = 0; i < 512; i++) {
			uint64_t pa = 0x80000000ull + ((uint64_t)t << 21) + ((uint64_t)i << 12);
			pt_l0[t][i] = (pa >> 2) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
		}
	}
	return (8ull << 60) | ((uint64_t)(uintptr_t)pt_root >> 12);
}

static uint32_t rng = 2463534242u;
static uint32_t xorshift32(void) {
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u; }

int main(void) {
	uint32_t h = 2166136261u;

	/* one random cycle over all slots (Sattolo) */
	for (uint32_t i = 0; i < N; i++)
		next_slot[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = xorshift32() % i;
		uint32_t t = next_slot[i];
		next_slot[i] = next_slot[j];
		next_slot[j] = t;
	}
	for (int r = 0; r < CHASE_ROUNDS; r++) {
		uint32_t p = 0, steps = 0, acc = 0;
		do {
			p = next_slot[p];
			acc += p;
			steps++;
		} while (p != 0);
		if (steps != N || acc != (uint32_t)((uint64_t)N * (N - 1) / 2))
			return 2;
		h = mix(h, acc ^ steps);
	}

	/* strided stream: data[i] = 3i + 1, summed with strides 1, 16, 1024 */
	for (uint32_t i = 0; i < N; i++)
		data[i] = 3 * i + 1;
	static const uint32_t strides[STREAM_PASSES] = {1, 16, 1024};
	for (int s = 0; s < STREAM_PASSES; s++) {
		uint64_t sum = 0;
		uint32_t st = strides[s];
		for (uint32_t k = 0; k < st; k++)
			for (uint32_t i = k; i < N; i += st)
				sum += data[i];
		if (sum != 3ull * N * (N - 1) / 2 + N)
			return 3;
		h = mix(h, (uint32_t)sum ^ (uint32_t)(sum >> 32));
	}

	/* random scatter into a histogram, then one pass over it */
	for (uint32_t i = 0; i < SCATTER; i++)
		hist[xorshift32() & (HBUCKETS - 1)]++;
	uint32_t total = 0;
	for (uint32_t i = 0; i < HBUCKETS; i++) {
		total += hist[i];
		h = mix(h, hist[i]);
	}
	if (total != SCATTER)
		return 4;

	if (EXPECTED != 0 && h != (uint32_t)EXPECTED)
		return 5;
	return 0;
}
