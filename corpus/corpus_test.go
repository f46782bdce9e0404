package corpus_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/corpus"
	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// replayLimit bounds one corpus program; tests must exit before it.
// benchLimit bounds a benchmark, which is a workload: agreeing up to the
// limit is a pass, and the full run belongs to the benchmarks.
const (
	replayLimit = 20_000_000
	benchLimit  = 1_000_000
)

// TestReplay runs every corpus program on ref and engine in lockstep.
// Programs must agree; a regress file whose header says "status: open"
// is a known, unfixed divergence and is only reported.
func TestReplay(t *testing.T) { replayCorpus(t, "engine") }

// replayCorpus runs every corpus program on bare ref and on target b in
// lockstep (TestReplay: the engine; TestReplayVMM: the VMM). Records must
// agree and every program but a benchmark must exit before replayLimit;
// an open regress file is only reported.
func replayCorpus(t *testing.T, b string) {
	progs := corpus.Programs()
	if len(progs) == 0 {
		t.Fatal("the embedded corpus is empty")
	}
	for _, p := range progs {
		if p.Dir() == "bench" && p.IsSource() {
			continue // support files (crt0), built into the .elf files (TestCommittedBinariesAreFresh)
		}
		t.Run(p.Path, func(t *testing.T) {
			cfg := spec.DefaultConfig()
			cfg.Harts = p.Harts()
			limit := uint64(replayLimit)
			if p.Dir() == "bench" {
				limit = benchLimit
			}
			img, err := image(t, cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			res := lockstepRef(t, b, cfg, img, diff.Options{Limit: limit})
			open := p.OpenFinding()
			switch {
			case res.Divergence != nil && open:
				t.Logf("known open divergence (ref vs engine) still there: %s", res.Divergence.Reason)
			case res.Divergence != nil:
				t.Errorf("%s", res.Divergence.Text("ref", b, fuzz.Disasm))
			case open && b == "engine":
				t.Logf("ref and engine now agree (%d records): mark this file \"status: fixed\"", res.Compared)
			case res.ExitA.Reason == spec.Running && p.Dir() == "bench":
				t.Logf("%d records equal up to the limit", res.Compared)
			case res.ExitA.Reason == spec.Running:
				t.Errorf("no exit after %d records", res.Compared)
			default:
				t.Logf("%d records equal; exit %s code %d", res.Compared, res.ExitA.Reason, res.ExitA.Code)
			}
		})
	}
}

// lockstepRef builds bare ref and target b from the registry on one image
// and runs them in lockstep, both seen through fuzz.ArchExit.
func lockstepRef(t testing.TB, b string, cfg spec.Config, img *boot.Image, opts diff.Options) diff.Result {
	t.Helper()
	ta, err := targets.New("ref", cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := targets.New(b, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := diff.Lockstep(fuzz.ArchExit(ta), fuzz.ArchExit(tb), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// image builds a corpus program's reset image: an ELF as is, a source
// with toolchain/asm, or, when it needs the C preprocessor (#include) or
// toolchain/asm rejects it, with riscv64-unknown-elf-gcc and the linker
// script of its directory.
func image(t *testing.T, cfg spec.Config, p corpus.Program) (*boot.Image, error) {
	name := path.Base(p.Path)
	if !p.IsSource() {
		prog, err := load.ELFBytes(name, p.Data)
		if err != nil {
			return nil, err
		}
		return boot.Build(cfg, prog, nil)
	}
	if !strings.Contains(string(p.Data), "#include") {
		obj, err := asm.Assemble(p.Path, p.Data, asm.Options{})
		if err == nil {
			return boot.Build(cfg, obj.Program(name), nil)
		}
		t.Logf("toolchain/asm: %v; trying GNU as", err)
	}
	elfPath := gccBuild(t, p)
	prog, err := load.ELF(elfPath)
	if err != nil {
		return nil, err
	}
	return boot.Build(cfg, prog, nil)
}

// gccBuild extracts the program's directory from the embedded corpus and
// builds it with the cross gcc, which CI installs (scripts/test.sh).
func gccBuild(t *testing.T, p corpus.Program) string {
	gcc := testtool.Tool(t, "riscv64-unknown-elf-gcc")
	dir := t.TempDir()
	sub, err := fs.Sub(corpus.FS(), p.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, sub); err != nil {
		t.Fatal(err)
	}
	args := []string{"-march=rv64imac_zicsr_zifencei", "-mabi=lp64", "-nostdlib", "-o", filepath.Join(dir, "out.elf")}
	if _, err := os.Stat(filepath.Join(dir, "link.ld")); err == nil {
		args = append(args, "-T", filepath.Join(dir, "link.ld"))
	} else {
		args = append(args, "-Ttext=0x80000000")
	}
	args = append(args, filepath.Join(dir, path.Base(p.Path)))
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return filepath.Join(dir, "out.elf")
}

// TestEmbedded checks the embedded corpus has what the tree has, so a
// new directory or file type is not silently left out.
func TestEmbedded(t *testing.T) {
	want := 0
	filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if e := strings.ToLower(filepath.Ext(p)); e == ".s" || e == ".elf" {
				want++
			}
		}
		return nil
	})
	if got := len(corpus.Programs()); got != want {
		t.Errorf("embedded %d programs, the tree has %d", got, want)
	}
	for _, p := range corpus.Programs("ref") {
		if p.Path == "ref/smp.S" && p.Harts() != 2 {
			t.Errorf("%s: Harts() = %d, its comment says 2", p.Path, p.Harts())
		}
	}
	if len(corpus.Programs("seed")) == 0 {
		t.Error("no seed programs")
	}
	for _, p := range corpus.Programs("regress") {
		if _, ok := p.HeaderField("vcheck fuzz finding"); !ok {
			t.Errorf("%s: no \"vcheck fuzz finding:\" header line", p.Path)
		}
	}
}
