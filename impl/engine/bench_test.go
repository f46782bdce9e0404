package engine

import (
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

var benchPrograms = []string{"loop", "coremark", "memwalk", "branchy"}

func benchELF(name string) string { return filepath.Join("..", "..", "corpus", "bench", name+".elf") }

// TestBenchPrograms checks that the committed benchmark ELFs pass on the
// engine (their own result check), so a benchmark never measures a wrong run.
func TestBenchPrograms(t *testing.T) {
	for _, name := range benchPrograms {
		m := bootELF(t, testConfig(), benchELF(name))
		if e := m.Run(2_000_000_000); e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("%s: exit %+v after %d instructions", name, e, m.Retired())
		}
	}
}

// BenchmarkRun runs each benchmark program to its end with Run and reports
// the engine's speed in MIPS (retired instructions per wall microsecond).
func BenchmarkRun(b *testing.B) {
	for _, v := range []struct {
		suffix string
		jit    bool
	}{{"", true}, {"-interp", false}} {
		if v.jit && !jitSupported {
			continue
		}
		for _, name := range benchPrograms {
			benchRun(b, name+v.suffix, name, v.jit)
		}
	}
}

// benchRun is one BenchmarkRun case: the program to its end, with block
// compilation on or off.
func benchRun(b *testing.B, bench, name string, jit bool) {
	{
		b.Run(bench, func(b *testing.B) {
			var insts uint64
			var elapsed, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				m := bootELF(b, testConfig(), benchELF(name))
				m.SetJIT(jit)
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				e := m.Run(2_000_000_000)
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				if e.Reason != spec.HaltFinisher || e.Code != 0 {
					b.Fatalf("%s: exit %+v", name, e)
				}
				insts += m.Retired()
			}
			b.ReportMetric(float64(insts)/elapsed.Seconds()/1e6, "MIPS")
			// On a shared machine wall time includes other processes' turns;
			// MIPS per CPU-second of this process is the steadier figure.
			b.ReportMetric(float64(insts)/cpu.Seconds()/1e6, "cpuMIPS")
			b.ReportMetric(float64(insts)/float64(b.N), "insts/op")
		})
	}
}

// BenchmarkStep measures the record-producing path.
func BenchmarkStep(b *testing.B) {
	m := bootELF(b, testConfig(), benchELF("coremark"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.Exit().Reason != spec.Running {
			b.StopTimer()
			m = bootELF(b, testConfig(), benchELF("coremark"))
			b.StartTimer()
		}
		m.Step()
	}
}

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRunTwoHarts: Run with two harts, round-robin one step each
// (both run the loop program; the first to finish ends the run).
func BenchmarkRunTwoHarts(b *testing.B) {
	cfg := testConfig()
	cfg.Harts = 2
	m := bootELF(b, cfg, benchELF("loop"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.Exit().Reason != spec.Running {
			b.StopTimer()
			m = bootELF(b, cfg, benchELF("loop"))
			b.StartTimer()
		}
		m.Run(1000)
	}
	b.ReportMetric(1000, "steps/op")
}

// idleLine is console input that stays open and never has a byte: a
// terminal nobody types at.
type idleLine struct{}

func (idleLine) Read([]byte) (int, error) { return 0, nil }

// BenchmarkRunOpenInput is BenchmarkRun with console input open: the UART
// samples its line at every timer tick, so Run stops every TimebaseDiv
// instructions (docs/devices.md).
func BenchmarkRunOpenInput(b *testing.B) {
	for _, name := range benchPrograms {
		b.Run(name, func(b *testing.B) {
			var insts uint64
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				m := bootELF(b, testConfig(), benchELF(name))
				m.SetConsole(idleLine{}, io.Discard)
				b.StartTimer()
				cpu0 := cpuTime()
				if e := m.Run(2_000_000_000); e.Reason != spec.HaltFinisher || e.Code != 0 {
					b.Fatalf("%s: exit %+v", name, e)
				}
				cpu += cpuTime() - cpu0
				insts += m.Retired()
			}
			b.ReportMetric(float64(insts)/cpu.Seconds()/1e6, "cpuMIPS")
		})
	}
}
