package vmm

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

var benchPrograms = []string{"loop", "coremark"}

func benchImage(tb testing.TB, cfg spec.Config, name string) *boot.Image {
	tb.Helper()
	prog, err := load.ELF(filepath.Join("..", "..", "corpus", "bench", name+".elf"))
	if err != nil {
		tb.Fatal(err)
	}
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runner is what BenchmarkRun measures: the bare engine or a VM.
type runner interface {
	Run(limit uint64) spec.Exit
	Retired() uint64
}

// BenchmarkRun runs each benchmark program to its end on the bare engine
// and under the VMM, side by side, and reports MIPS of guest instructions.
func BenchmarkRun(b *testing.B) {
	for _, name := range benchPrograms {
		for _, target := range []string{"engine", "vmm"} {
			b.Run(name+"/"+target, func(b *testing.B) {
				var insts uint64
				var elapsed, cpu time.Duration
				var st Stats
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					cfg := spec.DefaultConfig()
					img := benchImage(b, cfg, name)
					var r runner
					var vm *VM
					if target == "engine" {
						m, err := engine.New(cfg, img)
						if err != nil {
							b.Fatal(err)
						}
						r = m
					} else {
						var err error
						if vm, err = New(cfg, img); err != nil {
							b.Fatal(err)
						}
						r = vm
					}
					b.StartTimer()
					start, cpu0 := time.Now(), cpuTime()
					e := r.Run(2_000_000_000)
					elapsed += time.Since(start)
					cpu += cpuTime() - cpu0
					if e.Reason != spec.HaltFinisher || e.Code != 0 {
						b.Fatalf("%s: exit %+v", name, e)
					}
					insts += r.Retired()
					if vm != nil {
						st = vm.Stats()
					}
				}
				b.ReportMetric(float64(insts)/elapsed.Seconds()/1e6, "MIPS")
				b.ReportMetric(float64(insts)/cpu.Seconds()/1e6, "cpuMIPS")
				if target == "vmm" {
					b.ReportMetric(100*st.DirectShare(), "%direct")
					b.Logf("%s", st)
				}
			})
		}
	}
}
