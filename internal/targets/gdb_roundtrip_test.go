package targets

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// TestGDBClientServerRoundTrip serves the reference model through our
// gdbstub and compares it, stepped by our gdb client, with a second
// reference model in lockstep: every field the client reconstructs
// (traps from the vectors and the trap CSRs, modes, CSR writes, memory
// data read back) must come out equal, over corpus programs that take
// traps in M, S and U and run with Sv39.
func TestGDBClientServerRoundTrip(t *testing.T) {
	for _, tc := range []struct{ served, prog string }{
		{"ref", "ref/rv64i.S"}, {"ref", "ref/trap_m.S"}, {"ref", "ref/priv_su.S"}, {"ref", "ref/sv39.S"},
		{"ref", "ref/a.S"}, {"ref", "ref/c.S"}, {"ref", "ref/csr_warl.S"}, {"ref", "ref/smp.S"},
		{"engine", "ref/sv39.S"}, {"engine", "ref/priv_mprv.S"}, {"engine", "ref/smc_blocks.S"},
	} {
		name := tc.prog
		t.Run(tc.served+"/"+name, func(t *testing.T) {
			var prog corpus.Program
			for _, p := range corpus.Programs("ref") {
				if p.Path == name {
					prog = p
				}
			}
			cfg := spec.DefaultConfig()
			cfg.Harts = prog.Harts()
			img, err := prog.Image(cfg)
			if err != nil {
				t.Fatal(err)
			}
			gdbRoundTrip(t, tc.served, cfg, img)
		})
	}
	// Programs for what the client must tell apart from memory alone.
	files, err := filepath.Glob(filepath.Join("testdata", "gdb", "*.S"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no programs in testdata/gdb: %v", err)
	}
	for _, f := range files {
		t.Run("ref/"+filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := asm.Assemble(f, src, asm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := spec.DefaultConfig()
			img, err := boot.Build(cfg, obj.Program(filepath.Base(f)), nil)
			if err != nil {
				t.Fatal(err)
			}
			gdbRoundTrip(t, "ref", cfg, img)
		})
	}
}

// gdbRoundTrip serves img on the target named served through our gdbstub
// and compares it, through our client, with the reference model.
func gdbRoundTrip(t *testing.T, servedName string, cfg spec.Config, img *boot.Image) {
	served, err := New(servedName, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	mem, ok := Memory(served, img)
	if !ok {
		t.Fatal("refmodel has no memory for the server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv := gdb.NewServer(served, mem, cfg)
	go srv.Serve(l)
	c, err := gdb.Dial(l.Addr().String(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := gdb.NewTarget(c, gdb.Options{Config: cfg, ToHost: img.ToHost})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New("ref", cfg, img)
	res, err := Compare(a, b, CompareOptions{Options: diff.Options{Limit: 100000}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Divergence != nil {
		t.Fatalf("%s", res.Divergence.Text("ref", "gdb:"+servedName, nil))
	}
	if res.ExitA.Reason == spec.Running || res.ExitA != res.ExitB {
		t.Fatalf("exits: %v / %v", res.ExitA, res.ExitB)
	}
	t.Logf("%d records; %s", res.Compared, res.Summary())
}
