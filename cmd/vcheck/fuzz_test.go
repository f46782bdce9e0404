package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// A test-only target: the reference model with a wrong mulhsu result, so
// that the commands' divergence paths run without waiting for a real bug.
func init() {
	targets.Register("ref-mulhsu-bug", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		t, err := targets.New("ref", cfg, img)
		if err != nil {
			return nil, err
		}
		return &buggyTarget{t}, nil
	})
}

type buggyTarget struct{ diff.Target }

func (b *buggyTarget) Step() spec.Retire {
	r := b.Target.Step()
	if row := spec.Decode(r.Insn); row != nil && row.Name == "mulhsu" && r.Rd.Valid && !r.Trap.Valid {
		r.Rd.Value ^= 1
	}
	return r
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestFuzzNoDivergence(t *testing.T) {
	dir := t.TempDir()
	progressDelay, progressLogEvery = 0, time.Millisecond
	defer func() { progressDelay, progressLogEvery = time.Second, 5*time.Second }()
	code, out, errs := runCLI("fuzz", "--time", "2s", "--programs", "500", "--target", "ref", "--seed", "7", "--regress", dir, "--json", "--ext", "i,M,c,Zicsr", "--progress")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var sum fuzzJSON
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if sum.Programs == 0 || sum.Records == 0 || sum.Divergences != 0 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(errs, "programs") || !strings.Contains(errs, "instructions compared") {
		t.Errorf("no progress line on stderr with --progress: %q", errs)
	}
	if !strings.Contains(errs, "seed 7 (repeat with --seed 7)") {
		t.Errorf("the seed is not printed at the start: %q", errs)
	}
	if sum.Seed != 7 {
		t.Errorf("JSON seed %d, want 7", sum.Seed)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files saved without a divergence: %v", files)
	}
}

func TestFuzzFindsAndSaves(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI("fuzz", "--time", "10m", "--programs", "30000", "--target", "ref-mulhsu-bug", "--seed", "3", "--regress", dir, "--max-findings", "1", "--quiet")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitFailure, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.S"))
	if len(files) != 1 {
		t.Fatalf("saved %v, want one .S", files)
	}
	src, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# vcheck fuzz finding: ", "# targets: ref vs ref-mulhsu-bug", "# seed: ", "# date: ", "mulhsu"} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("finding lacks %q", want)
		}
	}
	if !strings.Contains(out, files[0]) {
		t.Errorf("the finding is not printed at the end:\n%s", out)
	}
	// The saved program replays: vcheck diff finds the same divergence.
	code, out, errs = runCLI("diff", "--a", "ref", "--b", "ref-mulhsu-bug", files[0])
	if code != exitFailure || !strings.Contains(out, "DIVERGENCE") || !strings.Contains(out, "mulhsu") {
		t.Errorf("replay: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI("diff", "--a", "ref", "--b", "ref", files[0])
	if code != exitOK || !strings.HasPrefix(out, "EQUAL") {
		t.Errorf("ref vs ref: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("diff", "--a", "ref", "--b", "ref-mulhsu-bug", "--json", files[0])
	var j diffJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitFailure || j.Verdict != "diverged" || j.Divergence == nil || j.Divergence.A == nil {
		t.Errorf("--json: exit %d, %v\n%s", code, err, out)
	}
	code, _, _ = runCLI("diff", "--a", "ref", "--b", "ref-mulhsu-bug", "--ignore", "Rd.Value", files[0])
	if code != exitOK {
		t.Errorf("--ignore Rd.Value: exit %d, want 0", code)
	}
}

func TestFuzzDiffUsage(t *testing.T) {
	for _, args := range [][]string{
		{"fuzz", "--target", "no-such-target"},
		{"fuzz", "--time", "0s"},
		{"fuzz", "extra"},
		{"fuzz", "--ext", "I,Q"},
		{"diff"},
		{"diff", "--b", "no-such-target", "x.elf"},
		{"diff", "--a", "ref", "--b", "ref", "/no/such/file.elf"},
		{"diff", "--a", "ref", "--b", "ref", "--ignore", "NoSuchField", "../../corpus/ref/rv64i.S"},
	} {
		code, out, errs := runCLI(args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitUsage, out, errs)
		}
	}
	_, _, errs := runCLI("fuzz", "--target", "no-such-target")
	if !strings.Contains(errs, "known: ") || !strings.Contains(errs, "ref") {
		t.Errorf("unknown target error does not list the known ones: %q", errs)
	}
}
