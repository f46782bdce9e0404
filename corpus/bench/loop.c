/* loop.c: a tight integer compute loop (adds, shifts, xors, a multiply
   and a branch per iteration): the engine's best case. */
#include <stdint.h>

#define ITER 20000000

int main(void) {
	uint64_t x = 88172645463325252ull, acc = 0;
	for (uint32_t i = 0; i < ITER; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * 3 + i;
	}
	/* a fixed expected value keeps the loop from being optimized away
	   and catches a wrong result */
	return (acc == 0x57aba40cde11f423ull) ? 0 : 1;
}
