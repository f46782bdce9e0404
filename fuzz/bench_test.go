package fuzz_test

import (
	"testing"

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
