package fuzz_test

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"

	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
)

// BenchmarkFuzzExec measures fuzz executions: generate, lay out, boot
// and compare one program on ref against ref (or engine, when it is
// registered). Report execs/s and records/s.
func BenchmarkFuzzExec(b *testing.B) {
	ref, err := targets.Lookup("ref")
	if err != nil {
		b.Fatal(err)
	}
	p := fuzz.Pair{NameA: "ref", NameB: "ref", A: fuzz.Factory(ref), B: fuzz.Factory(ref)}
	if eng, err := targets.Lookup("engine"); err == nil {
		p.NameB, p.B = "engine", fuzz.Factory(eng)
	}
	tests := make([]*fuzz.Test, 64)
	for i := range tests {
		tests[i] = fuzz.Gen(fuzz.Options{}).Example(i)
	}
	cfg := fuzz.Config()
	var records uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, err := fuzz.RunTest(cfg, tests[i%len(tests)], p)
		if err != nil {
			b.Fatal(err)
		}
		records += o.Result.Compared
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkFuzzModes runs the same generated programs, ref against
// engine, in step mode and in run mode side by side (sub-benchmarks step
// and run): programs/s and instructions compared/s (step: records).
func BenchmarkFuzzModes(b *testing.B) {
	tests := make([]*fuzz.Test, 256)
	for i := range tests {
		tests[i] = fuzz.Gen(fuzz.Options{}).Example(i)
	}
	cfg := fuzz.Config()
	for _, m := range []fuzz.Mode{fuzz.ModeStep, fuzz.ModeRun} {
		b.Run(m.String(), func(b *testing.B) {
			p := pairOf(b, "ref", "engine")
			p.Mode = m
			var compared uint64
			for i := 0; i < b.N; i++ {
				o, err := fuzz.RunTest(cfg, tests[i%len(tests)], p)
				if err != nil {
					b.Fatal(err)
				}
				compared += o.Result.Compared
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "programs/s")
			b.ReportMetric(float64(compared)/b.Elapsed().Seconds(), "insns/s")
		})
	}
}

// BenchmarkLockstep measures in-process lockstep throughput, ref against
// engine, on corpus/bench/coremark.elf: compared records per second, and
// the reference model alone for scale (the comparison is ref-bound).
func BenchmarkLockstep(b *testing.B) {
	data, err := corpus.ReadFile("bench/coremark.elf")
	if err != nil {
		b.Fatal(err)
	}
	prog, err := load.ELFBytes("coremark.elf", data)
	if err != nil {
		b.Fatal(err)
	}
	cfg := spec.DefaultConfig()
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		b.Fatal(err)
	}
	const records = 2_000_000
	run := func(b *testing.B, names ...string) {
		var total uint64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			var ts []diff.Target
			for _, n := range names {
				t, err := targets.New(n, cfg, img)
				if err != nil {
					b.Fatal(err)
				}
				ts = append(ts, t)
			}
			b.StartTimer()
			if len(ts) == 1 {
				for n := 0; n < records && ts[0].Exit().Reason == spec.Running; n++ {
					ts[0].Step()
					total++
				}
				continue
			}
			res, err := diff.Lockstep(fuzz.ArchExit(ts[0]), fuzz.ArchExit(ts[1]), diff.Options{Limit: records})
			if err != nil || res.Divergence != nil {
				b.Fatalf("%v %v", err, res.Divergence)
			}
			total += res.Compared
		}
		b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("ref-vs-engine", func(b *testing.B) { run(b, "ref", "engine") })
	b.Run("ref-alone", func(b *testing.B) { run(b, "ref") })
	b.Run("engine-alone", func(b *testing.B) { run(b, "engine") })
}

// BenchmarkGoFuzzInput is one input of FuzzEngineVsRef as a go test
// -fuzz worker runs it, minus the fuzzer's instrumentation: eight
// random words through Choices, a program generated from them, run on
// the worker's reset machines (fuzz.Rig) and compared record by record.
func BenchmarkGoFuzzInput(b *testing.B) {
	cfg := fuzz.Config()
	rig := fuzz.NewRig(cfg, refVsEngine(b))
	defer rig.Close()
	g := fuzz.Gen(fuzz.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	var records uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var w [8]uint64
		for j := range w {
			w[j] = rng.Uint64()
		}
		rapid.MakeFuzz(func(rt *rapid.T) {
			o, err := rig.RunTest(g.Draw(rt, "test"))
			if err != nil {
				rt.Fatal(err)
			}
			records += o.Result.Compared
		})(&testing.T{}, Choices(w[:]...))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
