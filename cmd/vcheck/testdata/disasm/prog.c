/* A small C program for the disasm oracle test: gcc -O2 output has the
   instruction mix, alignment padding and symbol layout of real code. */
typedef unsigned char uint8_t;
typedef int int32_t;
typedef unsigned long uint64_t;

#define UART ((volatile uint8_t *)0x10000000)

static const char msg[] = "vcheck\n";
int counter;
long table[16] = {1, 2, 3};

__attribute__((noinline)) static void putc_(char c) {
	while ((UART[5] & 0x20) == 0)
		;
	UART[0] = c;
}

__attribute__((weak)) long weak_hook(long x) { return x * 3 + 1; }

long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

uint64_t mix(uint64_t a, uint64_t b) {
	a ^= b >> 7;
	a *= 0x9E3779B97F4A7C15ull;
	a = (a << 13) | (a >> 51);
	return a / (b | 1) + (a % 97);
}

int32_t words(int32_t x, int32_t y) { return (x << 3) - (y >> 2) + (x / (y | 1)); }

void _start(void) {
	for (const char *p = msg; *p; p++)
		putc_(*p);
	counter += (int)fib(10) + (int)mix(table[1], table[2]) + words(counter, 3);
	table[counter & 15] = weak_hook(counter);
	__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	uint64_t c;
	__asm__ volatile("rdcycle %0" : "=r"(c));
	table[0] = (long)c;
	__asm__ volatile("csrw mscratch, %0; fence; fence.i; wfi" ::"r"(c));
	for (;;)
		;
}
