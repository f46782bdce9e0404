/* A C program linked with picolibc (rv64imac multilib) for the disasm
   oracle test: a real libc whose objects were built without Zicsr, so
   objdump switches ISA at their $xrv mapping symbols. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
int main(void) {
	char buf[64];
	snprintf(buf, sizeof buf, "%d %s %ld", 42, "x", strtol("123", 0, 10));
	printf("%s %zu\n", buf, strlen(buf));
	qsort(buf, strlen(buf), 1, (int (*)(const void *, const void *))strcmp);
	return 0;
}
