/* branchy.c: a branch-heavy workload: a small bytecode interpreter (a
   switch dispatch, so indirect jumps, and data-dependent branches) that
   runs a sieve of Eratosthenes and an iterated Collatz count, then a
   quicksort (Hoare partition, insertion sort below 16) of 64 Ki random
   keys. Each part checks itself (primes below 2^15: 3512; the sorted
   array is ordered and holds the same sum and xor as before), and all
   fold into one checksum; EXPECTED is the checksum established on QEMU
   7.2 and on the engine (both must pass). */
#include <stdint.h>

#ifndef EXPECTED
#define EXPECTED 0
#endif

#define SORT_N (1u << 16)
#define SORT_ROUNDS 2
#define SIEVE_N (1u << 15)

enum { OP_LI, OP_ADD, OP_ADDI, OP_LOADB, OP_STOREB, OP_JLT, OP_JNZ, OP_JMP, OP_MUL, OP_SHR1, OP_AND1, OP_HALT };

struct insn {
	uint8_t op, a, b, c;
	int32_t imm;
};

static uint8_t vm_mem[SIEVE_N];
static uint32_t keys[SORT_N];

static int64_t vm_run(const struct insn *code, int64_t *r) {
	int64_t steps = 0;
	for (int pc = 0;; steps++) {
		const struct insn *i = &code[pc++];
		switch (i->op) {
		case OP_LI: r[i->a] = i->imm; break;
		case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
		case OP_ADDI: r[i->a] = r[i->b] + i->imm; break;
		case OP_LOADB: r[i->a] = vm_mem[r[i->b]]; break;
		case OP_STOREB: vm_mem[r[i->b]] = (uint8_t)r[i->a]; break;
		case OP_JLT: if (r[i->a] < r[i->b]) pc = i->imm; break;
		case OP_JNZ: if (r[i->a] != 0) pc = i->imm; break;
		case OP_JMP: pc = i->imm; break;
		case OP_MUL: r[i->a] = r[i->b] * r[i->c]; break;
		case OP_SHR1: r[i->a] = r[i->b] >> 1; break;
		case OP_AND1: r[i->a] = r[i->b] & 1; break;
		case OP_HALT: return steps;
		default: return -1;
		}
	}
}

/* sieve: r0 = N, r1 = i, r2 = j, r3 = count, r4 = scratch, r5 = one */
static const struct insn sieve[] = {
	/* 0 */ {OP_LI, 1, 0, 0, 2},
	/* 1 */ {OP_LI, 3, 0, 0, 0},
	/* 2 */ {OP_LI, 5, 0, 0, 1},
	/* 3 */ {OP_JLT, 1, 0, 0, 5},            /* while i < N */
	/* 4 */ {OP_HALT, 0, 0, 0, 0},
	/* 5 */ {OP_LOADB, 4, 1, 0, 0},
	/* 6 */ {OP_JNZ, 4, 0, 0, 13},           /* composite: next */
	/* 7 */ {OP_ADDI, 3, 3, 0, 1},           /* a prime */
	/* 8 */ {OP_ADD, 2, 1, 1},               /* j = 2i */
	/* 9 */ {OP_JLT, 2, 0, 0, 11},
	/* 10 */ {OP_JMP, 0, 0, 0, 13},
	/* 11 */ {OP_STOREB, 5, 2, 0, 0},
	/* 12 */ {OP_ADD, 2, 2, 1, 0},           /* j += i; loop */
	/* 13 */ {OP_JLT, 2, 0, 0, 11},          /* (j < N: mark more; else fall to next i) */
	/* 14 */ {OP_ADDI, 1, 1, 0, 1},
	/* 15 */ {OP_LI, 2, 0, 0, 1 << 30},      /* j out of range for the next i */
	/* 16 */ {OP_JMP, 0, 0, 0, 3},
};

/* collatz: for n in 1..r0-1 count the steps of n to 1; r6 = total */
static const struct insn collatz[] = {
	/* 0 */ {OP_LI, 1, 0, 0, 1},
	/* 1 */ {OP_LI, 6, 0, 0, 0},
	/* 2 */ {OP_JLT, 1, 0, 0, 4},
	/* 3 */ {OP_HALT, 0, 0, 0, 0},
	/* 4 */ {OP_ADD, 2, 1, 7, 0},            /* x = n (r7 = 0) */
	/* 5 */ {OP_LI, 5, 0, 0, 1},
	/* 6 */ {OP_JLT, 5, 2, 0, 9},            /* while 1 < x */
	/* 7 */ {OP_ADDI, 1, 1, 0, 1},
	/* 8 */ {OP_JMP, 0, 0, 0, 2},
	/* 9 */ {OP_ADDI, 6, 6, 0, 1},
	/* 10 */ {OP_AND1, 4, 2, 0, 0},
	/* 11 */ {OP_JNZ, 4, 0, 0, 14},
	/* 12 */ {OP_SHR1, 2, 2, 0, 0},
	/* 13 */ {OP_JMP, 0, 0, 0, 6},
	/* 14 */ {OP_LI, 4, 0, 0, 3},
	/* 15 */ {OP_MUL, 2, 2, 4, 0},
	/* 16 */ {OP_ADDI, 2, 2, 0, 1},
	/* 17 */ {OP_JMP, 0, 0, 0, 6},
};

static void insertion(uint32_t *a, int lo, int hi) {
	for (int i = lo + 1; i <= hi; i++) {
		uint32_t v = a[i];
		int j = i - 1;
		while (j >= lo && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void quicksort(uint32_t *a, int lo, int hi) {
	while (hi - lo >= 16) {
		uint32_t p = a[lo + (hi - lo) / 2];
		int i = lo - 1, j = hi + 1;
		for (;;) {
			do i++; while (a[i] < p);
			do j--; while (a[j] > p);
			if (i >= j)
				break;
			uint32_t t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		/* recurse into the smaller half, loop on the larger */
		if (j - lo < hi - j) {
			quicksort(a, lo, j);
			lo = j + 1;
		} else {
			quicksort(a, j + 1, hi);
			hi = j;
		}
	}
	insertion(a, lo, hi);
}

/* no memset in a freestanding program: the registers one by one */
static void vm_clear(int64_t *r) {
	r[0] = r[1] = r[2] = r[3] = r[4] = r[5] = r[6] = r[7] = 0;
}

static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u; }

int main(void) {
	uint32_t h = 2166136261u;
	int64_t r[8];
	vm_clear(r);
	r[0] = SIEVE_N;
	int64_t steps = vm_run(sieve, r);
	if (steps < 0 || r[3] != 3512)
		return 2;
	h = mix(h, (uint32_t)r[3]);
	h = mix(h, (uint32_t)steps);

	int64_t c[8];
	vm_clear(c);
	c[0] = 10000;
	steps = vm_run(collatz, c);
	if (steps < 0)
		return 3;
	h = mix(h, (uint32_t)c[6]);
	h = mix(h, (uint32_t)steps);

	uint32_t s = 12345;
	for (int round = 0; round < SORT_ROUNDS; round++) {
		uint32_t sum = 0, x = 0;
		for (uint32_t i = 0; i < SORT_N; i++) {
			s = s * 1664525u + 1013904223u;
			keys[i] = s >> (round * 8);
			sum += keys[i];
			x ^= keys[i];
		}
		quicksort(keys, 0, SORT_N - 1);
		uint32_t sum2 = keys[0], x2 = keys[0];
		for (uint32_t i = 1; i < SORT_N; i++) {
			if (keys[i - 1] > keys[i])
				return 4;
			sum2 += keys[i];
			x2 ^= keys[i];
		}
		if (sum != sum2 || x != x2)
			return 5;
		h = mix(h, keys[SORT_N / 3]);
		h = mix(h, keys[SORT_N - 1]);
	}

	if (EXPECTED != 0 && h != (uint32_t)EXPECTED)
		return 6;
	return 0;
}
