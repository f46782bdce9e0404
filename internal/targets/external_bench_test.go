package targets

import (
	"net"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// BenchmarkExternal measures the external targets' speed, each compared
// with the reference model in lockstep: records per second (the
// "records/s" metric) for QEMU single-stepped over its gdbstub, QEMU in
// FastCompare to OpenSBI's banner, our gdbstub serving the reference
// model, and RVFI-DII serving it.
//
//	go test -run XXX -bench External -benchtime 1x ./internal/targets
func BenchmarkExternal(b *testing.B) {
	prog := corpusProgram(b, "ref/csr_warl.S")
	cfg := spec.DefaultConfig()
	img, err := prog.Image(cfg)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, mk func() (diff.Target, func())) {
		var n uint64
		for i := 0; i < b.N; i++ {
			a, _ := New("ref", cfg, img)
			t, done := mk()
			res, err := Compare(a, t, CompareOptions{Options: diff.Options{Limit: 20000}, Departures: QEMUDepartures})
			done()
			if err != nil || res.Divergence != nil {
				b.Fatalf("%v %v", err, res.Divergence)
			}
			n += res.Compared
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("qemu-gdbstub", func(b *testing.B) {
		testtool.Tool(b, "qemu-system-riscv64")
		run(b, func() (diff.Target, func()) {
			q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: img})
			if err != nil {
				b.Fatal(err)
			}
			return q, func() { q.Close() }
		})
	})
	b.Run("gdbstub-ref", func(b *testing.B) {
		run(b, func() (diff.Target, func()) {
			served, _ := New("ref", cfg, img)
			mem, _ := Memory(served, img)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go gdb.NewServer(served, mem, cfg).Serve(l)
			c, err := gdb.Dial(l.Addr().String(), 0)
			if err != nil {
				b.Fatal(err)
			}
			t, err := gdb.NewTarget(c, gdb.Options{Config: cfg})
			if err != nil {
				b.Fatal(err)
			}
			return t, func() { c.Close(); l.Close() }
		})
	})
	b.Run("rvfi-ref", func(b *testing.B) {
		addr := serveRVFI(b, "ref")
		rcfg := AdjustConfig(cfg, "rvfi:"+addr)
		rimg, _ := prog.Image(rcfg)
		var n uint64
		for i := 0; i < b.N; i++ {
			a, _ := New("ref", rcfg, rimg)
			t, err := New("rvfi:"+addr, rcfg, rimg)
			if err != nil {
				b.Fatal(err)
			}
			res, err := Compare(a, t, CompareOptions{Options: diff.Options{Limit: 20000}})
			if err != nil || res.Divergence != nil {
				b.Fatalf("%v %v", err, res.Divergence)
			}
			n += res.Compared
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("qemu-fast-opensbi", func(b *testing.B) {
		testtool.Tool(b, "qemu-system-riscv64")
		path := testtool.File(b, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf")
		fw, err := load.File(path, spec.RAMBase)
		if err != nil {
			b.Fatal(err)
		}
		fimg, err := boot.Build(cfg, fw, nil)
		if err != nil {
			b.Fatal(err)
		}
		var n uint64
		for i := 0; i < b.N; i++ {
			a, _ := New("ref", cfg, fimg)
			q, err := gdb.StartQEMU(gdb.QEMUOptions{Config: cfg, Image: fimg})
			if err != nil {
				b.Fatal(err)
			}
			res, err := FastCompare(a, q, FastOptions{CompareOptions: CompareOptions{Options: diff.Options{Limit: 6_000_000}, Departures: QEMUDepartures}, Skip: gdb.QEMUStateSkip})
			q.Close()
			if err != nil || res.Divergence != nil || res.StateDiff != "" {
				b.Fatalf("%v %v %s", err, res.Divergence, res.StateDiff)
			}
			n += res.Compared
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	})
}

func corpusProgram(t testing.TB, path string) corpus.Program {
	for _, p := range corpus.Programs() {
		if p.Path == path {
			return p
		}
	}
	t.Fatalf("no corpus program %s", path)
	return corpus.Program{}
}
