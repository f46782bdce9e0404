/* A C program whose compiler output (riscv64-unknown-elf-gcc -S) the
   assembler must turn into the same bytes as GNU as + ld: it exercises
   the directives and relocation operators GCC emits. */
static const char msg[] = "hello, \"world\"\n";
int counter;
static int scratch[3];
long table[4] = {1, 2, -3, 0x123456789abcLL};
struct point { short x, y; char tag; } points[2] = {{1, -2, 'a'}, {3, 4, 'b'}};
const char *names[] = {"zero", "one", "two"};
unsigned long long big = 0xfedcba9876543210ULL;

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
void put(char c) { *(volatile char *)0x10000000 = c; }
long sum(long *p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i] * 3; return s; }
long divs(long a, long b) { return a / b + a % b + (unsigned long)a / (unsigned long)b; }
int (*pick(int k))(int) { return k ? fib : 0; }

int main(void) {
	for (const char *p = msg; *p; p++)
		put(*p);
	counter += fib(10) + scratch[counter & 1];
	switch (counter & 7) {
	case 0: put('a'); break;
	case 1: put('b'); break;
	case 2: put('c'); break;
	case 3: put('d'); break;
	case 4: put('e'); break;
	default: put('z');
	}
	scratch[2] = points[1].x + names[counter % 3][0];
	return (int)(sum(table, 4) + divs(big, counter + 1)) + pick(counter)(3);
}
