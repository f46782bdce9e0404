package vmm

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// The performance figures of docs/PERFORMANCE.md ("VMM"): each program
// on the bare engine and under the VMM, measured side by side in one
// run. The shared machine's load moves CPU times by tens of percent from
// one run to the next, so every iteration runs both targets, in
// alternating order, each on a fresh machine after a garbage collection,
// and the figures are medians: the CPU time (user + system) of each, and
// the median of the per-iteration ratios VMM/engine.
//
//	go test ./impl/vmm -run XXX -bench . -benchtime 5x

var benchPrograms = []string{"loop", "coremark", "paging"}

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

// runner is what the benchmarks run: the bare engine or a VM.
type runner interface {
	Run(limit uint64) spec.Exit
	Exit() spec.Exit
	Retired() uint64
	SetConsole(in io.Reader, out io.Writer)
}

func newRunner(tb testing.TB, target string, cfg spec.Config, img *boot.Image) runner {
	tb.Helper()
	if target == "engine" {
		m, err := engine.New(cfg, img)
		if err != nil {
			tb.Fatal(err)
		}
		return m
	}
	vm, err := New(cfg, img)
	if err != nil {
		tb.Fatal(err)
	}
	return vm
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// sideBySide runs b.N iterations of (engine, VMM), alternating which goes
// first; run runs one fresh machine and returns the CPU time it took
// (what it does before the clock starts is its own business). It reports
// both medians in ms, their guest MIPS and the median ratio, and returns
// the last VM for its counters.
func sideBySide(b *testing.B, setup func(target string) runner, run func(r runner) (time.Duration, uint64)) *VM {
	var times [2][]float64
	var ratios []float64
	var insts uint64
	var last *VM
	for i := 0; i < b.N; i++ {
		var pair [2]float64
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			target := []string{"engine", "vmm"}[k]
			r := setup(target)
			runtime.GC() // the previous machines' garbage: not this run's cost
			d, n := run(r)
			pair[k] = float64(d) / 1e6
			times[k] = append(times[k], pair[k])
			insts = n
			if vm, ok := r.(*VM); ok {
				last = vm
			}
		}
		ratios = append(ratios, pair[1]/pair[0])
	}
	e, v := median(times[0]), median(times[1])
	b.ReportMetric(e, "engine-cpu-ms")
	b.ReportMetric(v, "vmm-cpu-ms")
	b.ReportMetric(float64(insts)/e/1e3, "engine-MIPS")
	b.ReportMetric(float64(insts)/v/1e3, "vmm-MIPS")
	b.ReportMetric(median(ratios), "vmm/engine")
	return last
}

// BenchmarkRun: each benchmark program (corpus/bench) to its end.
func BenchmarkRun(b *testing.B) {
	for _, name := range benchPrograms {
		b.Run(name, func(b *testing.B) {
			cfg := spec.DefaultConfig()
			img := benchImage(b, cfg, name)
			vm := sideBySide(b, func(target string) runner { return newRunner(b, target, cfg, img) },
				func(r runner) (time.Duration, uint64) {
					c0 := cpuTime()
					e := r.Run(2_000_000_000)
					d := cpuTime() - c0
					if e.Reason != spec.HaltFinisher || e.Code != 0 {
						b.Fatalf("%s: exit %+v", name, e)
					}
					return d, r.Retired()
				})
			st := vm.Stats()
			b.ReportMetric(100*st.DirectShare(), "%direct")
			b.Logf("%s", st)
		})
	}
}

// The firmware of the headline boot (Debian packages opensbi, u-boot-qemu).
const (
	openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
	uBoot   = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
)

// timedInput delivers each byte of keys from a fixed retired count on.
type timedInput struct {
	clock func() uint64
	keys  []key
}

type key struct {
	b  byte
	at uint64
}

func (r *timedInput) Read(b []byte) (int, error) {
	if len(b) == 0 || len(r.keys) == 0 || r.clock() < r.keys[0].at {
		return 0, nil
	}
	b[0] = r.keys[0].b
	r.keys = r.keys[1:]
	return 1, nil
}

func typeAt(s string, start, gap uint64) []key {
	var ks []key
	for i := range len(s) {
		ks = append(ks, key{s[i], start + uint64(i)*gap})
	}
	return ks
}

// ubootImage is OpenSBI fw_jump + U-Boot (S-mode) for cfg.
func ubootImage(tb testing.TB, cfg spec.Config) *boot.Image {
	tb.Helper()
	fw, err := load.File(testtool.File(tb, openSBI), spec.RAMBase)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := load.File(testtool.File(tb, uBoot), spec.RAMBase+0x200000)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := boot.Build(cfg, fw, k)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// BenchmarkBoot boots OpenSBI + U-Boot, a key stops the autoboot and
// "poweroff" is typed at the prompt: "prompt" measures the CPU time to
// the "=> " prompt (the figure), "poweroff" to the finisher. At
// TimebaseDiv 100 (the default) and 10 (the default suite's test). The
// console input stays open, so both targets stop at every timer tick to
// sample it, as `vcheck run` does with a terminal.
func BenchmarkBoot(b *testing.B) {
	for _, bc := range []struct {
		div, poweroffAt uint64
	}{{100, 30_000_000}, {10, 20_000_000}} {
		for _, to := range []string{"prompt", "poweroff"} {
			b.Run(fmt.Sprintf("div%d/%s", bc.div, to), func(b *testing.B) {
				cfg := spec.DefaultConfig()
				cfg.TimebaseDiv = bc.div
				img := ubootImage(b, cfg)
				var out *bytes.Buffer
				vm := sideBySide(b, func(target string) runner {
					r := newRunner(b, target, cfg, img)
					keys := append(typeAt("x", 16_000_000, 0), typeAt("poweroff\n", bc.poweroffAt, 200_000)...)
					out = &bytes.Buffer{}
					r.SetConsole(&timedInput{clock: r.Retired, keys: keys}, out)
					return r
				}, func(r runner) (time.Duration, uint64) {
					c0 := cpuTime()
					if to == "prompt" {
						// In slices of 100,000 instructions, looking for
						// the prompt after each (the same for both).
						for r.Exit().Reason == spec.Running && !strings.Contains(out.String(), "\n=> ") {
							r.Run(100_000)
						}
					} else {
						r.Run(300_000_000)
					}
					d := cpuTime() - c0
					if to == "poweroff" && (r.Exit().Reason != spec.HaltFinisher || !strings.Contains(out.String(), "=> poweroff")) {
						b.Fatalf("exit %+v\n%s", r.Exit(), out.String())
					}
					return d, r.Retired()
				})
				st := vm.Stats()
				b.ReportMetric(100*st.DirectShare(), "%direct")
				b.Logf("%s", st)
			})
		}
	}
}
