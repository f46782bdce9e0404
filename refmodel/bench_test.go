package refmodel

import (
	"syscall"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

// cpuTime is the process's user+system CPU time, so that MIPS can be
// reported per CPU-second as well as per wall-second on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkComputeLoop runs an ALU, load/store and branch loop in M-mode
// and reports millions of instructions per wall-second (MIPS) and per
// CPU-second (MIPS-cpu, which other load on the machine does not lower).
func BenchmarkComputeLoop(b *testing.B) {
	t := &testing.T{}
	code := []uint32{
		enc(t, "auipc", 9, 0x1000), // x9: a data word
		enc(t, "addi", 5, 5, 1),    // loop:
		enc(t, "xor", 6, 6, 5),
		enc(t, "slli", 7, 5, 3),
		enc(t, "add", 6, 6, 7),
		enc(t, "sd", 6, 0, 9),
		enc(t, "ld", 8, 0, 9),
		enc(t, "mul", 8, 8, 5),
		enc(t, "c.addi", 10, 1),
		enc(t, "jal", 0, -30), // 0x22: back to loop at 0x4
	}
	m := rawMachine(t, spec.DefaultConfig(), code...)
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	m.Run(uint64(b.N))
	wall, used := time.Since(start), cpuTime()-cpu
	b.ReportMetric(float64(b.N)/wall.Seconds()/1e6, "MIPS")
	if used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds()/1e6, "MIPS-cpu")
	}
	if m.Retired() != uint64(b.N) {
		b.Fatalf("retired %d of %d steps: the loop trapped", m.Retired(), b.N)
	}
}
