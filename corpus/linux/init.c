// init: the whole user space of the rv64pg Linux boot (docs/linux.md).
//
// Built by build.sh with riscv64-linux-gnu-gcc against the kernel's own
// tools/include/nolibc (no C library), for rv64imac/lp64: no floating
// point reaches user space, which the kernel (CONFIG_FPU off) could not
// give it. It runs as pid 1 from the initramfs, and does what a user
// space does to the machine in miniature:
//
//   - prints from user space (write(2) on /dev/console: the 8250 driver);
//   - takes page faults: first touches of .bss pages and of an anonymous
//     mmap, then munmap;
//   - forks: the child's first store to a page the parent wrote is a
//     copy-on-write fault, and the parent checks that its copy kept its
//     value;
//   - execs itself in the child with an argument (the ELF loader, a new
//     address space), and reaps the child's exit status with wait4;
//   - powers off with reboot(LINUX_REBOOT_CMD_POWER_OFF): the kernel asks
//     OpenSBI through SBI SRST, and OpenSBI writes 0x5555 to the
//     sifive_test finisher.
//
// Every line it prints starts with "init:"; the tests look for these
// lines, and for no other output from user space. The output depends
// only on what the program computes, never on time.
//
// The file is compiled with -include nolibc.h, so it includes nothing.

#define PAGE 4096
#define PAGES 32

// .bss: zero-filled on demand, one page fault per page at first touch.
static unsigned char pages[PAGES * PAGE];

// shared is written by the parent before the fork; the child's store to
// it is the copy-on-write fault.
static volatile unsigned long shared[PAGE / sizeof(unsigned long)];

// fill writes a pattern over n pages at p and returns its checksum.
static unsigned long fill(unsigned char *p, int n, unsigned long seed)
{
	unsigned long sum = 0;

	for (int i = 0; i < n; i++) {
		unsigned long *w = (unsigned long *)(p + (unsigned long)i * PAGE);

		for (int j = 0; j < PAGE / 8; j += 64) {
			w[j] = seed * (unsigned long)(i + 1) + (unsigned long)j;
			sum += w[j];
		}
	}
	return sum;
}

// child is what the exec'd copy of init does: print its argument and exit
// with a status the parent checks.
static int child(const char *arg)
{
	printf("init: exec'd child pid %d says %s\n", getpid(), arg);
	return 42;
}

int main(int argc, char **argv, char **envp)
{
	int status = 0;
	pid_t pid;
	unsigned long sum;
	unsigned char *anon;

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return child(argv[2]);

	printf("init: hello from user space, pid %d\n", getpid());

	sum = fill(pages, PAGES, 0x9e3779b97f4a7c15UL);
	printf("init: touched %d .bss pages, checksum %lx\n", PAGES, sum);

	anon = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED) {
		printf("init: FAIL mmap: errno %d\n", errno);
		return 1;
	}
	sum = fill(anon, 16, 0xc2b2ae3d27d4eb4fUL);
	if (munmap(anon, 16 * PAGE) != 0) {
		printf("init: FAIL munmap: errno %d\n", errno);
		return 1;
	}
	printf("init: touched 16 mmap pages, checksum %lx, unmapped\n", sum);

	shared[0] = 1;
	pid = fork();
	if (pid < 0) {
		printf("init: FAIL fork: errno %d\n", errno);
		return 1;
	}
	if (pid == 0) {
		char *args[] = { "/init", "child", "hello-from-exec", NULL };

		shared[0] = 2; // copy on write: the parent keeps 1
		execve("/init", args, envp);
		printf("init: FAIL execve: errno %d\n", errno);
		exit(127);
	}
	if (waitpid(pid, &status, 0) != pid) {
		printf("init: FAIL waitpid: errno %d\n", errno);
		return 1;
	}
	printf("init: child %d exited with %d; parent's page still holds %lu\n",
	       pid, (status >> 8) & 0xff, shared[0]);
	if ((status & 0x7f) != 0 || ((status >> 8) & 0xff) != 42 || shared[0] != 1) {
		printf("init: FAIL fork/exec/copy-on-write\n");
		return 1;
	}

	printf("init: powering off\n");
	reboot(LINUX_REBOOT_CMD_POWER_OFF);
	printf("init: FAIL reboot: errno %d\n", errno);
	return 1;
}
