package load

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// FuzzELF proves that no input makes the loader panic, and that whatever
// it accepts is a well-formed Program. The seed corpus in
// testdata/fuzz/FuzzELF is tiny.elf, its truncations and a few mutated
// headers; rebuild it with VCHECK_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds.
func FuzzELF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ELFBytes("fuzz.elf", data)
		if err != nil {
			return
		}
		checkProgram(t, p)
		checkFit(t, p)
	})
}

// checkFit asserts that Fit keeps exactly the bytes of p that lie in the
// loadable regions: every kept piece fits, and each segment's kept and
// dropped sizes add up to its size.
func checkFit(t *testing.T, p *Program) {
	t.Helper()
	cfg := spec.DefaultConfig()
	q, dropped := Fit(p, cfg)
	for _, s := range q.Segments {
		if !fitsIn(Loadable(cfg), s.Addr, s.MemSize) || uint64(len(s.Data)) > s.MemSize {
			t.Fatalf("Fit kept [%#x, +%#x) with %d bytes", s.Addr, s.MemSize, len(s.Data))
		}
	}
	var kept, gone uint64
	for _, s := range q.Segments {
		kept += s.MemSize
	}
	for _, d := range dropped {
		gone += d.End - d.Addr
	}
	var total uint64
	for _, s := range p.Segments {
		total += s.MemSize
	}
	if kept+gone != total {
		t.Fatalf("Fit: %#x kept + %#x dropped != %#x", kept, gone, total)
	}
}

// checkProgram asserts the invariants every loaded program keeps.
func checkProgram(t *testing.T, p *Program) {
	t.Helper()
	if len(p.Segments) == 0 {
		t.Fatal("accepted a program with no segments")
	}
	for i, s := range p.Segments {
		if uint64(len(s.Data)) > s.MemSize || s.MemSize == 0 {
			t.Fatalf("segment %d: filesz %#x, memsz %#x", i, len(s.Data), s.MemSize)
		}
		if s.Addr+(s.MemSize-1) < s.Addr {
			t.Fatalf("segment %d wraps: [%#x, +%#x)", i, s.Addr, s.MemSize)
		}
		if i > 0 {
			prev := p.Segments[i-1]
			if s.Addr < prev.Addr || s.Addr-prev.Addr < prev.MemSize {
				t.Fatalf("segments %d and %d unsorted or overlapping", i-1, i)
			}
		}
	}
}

func TestFuzzSeedsLoad(t *testing.T) {
	// The corpus must hold the real ELF itself, or the fuzzer starts far
	// from any interesting input.
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzELF", "*"))
	if err != nil || len(seeds) < 10 {
		t.Fatalf("seed corpus has %d files (err %v); want the ELF and its truncations", len(seeds), err)
	}
}

// TestWriteFuzzSeeds derives the seed corpus from tiny.elf and requires
// testdata/fuzz/FuzzELF to hold exactly those seeds (files go test -fuzz
// added beside them are left alone). VCHECK_WRITE_FUZZ_SEEDS=1 rewrites
// them instead, so an ordinary test run never changes testdata.
func TestWriteFuzzSeeds(t *testing.T) {
	write := os.Getenv("VCHECK_WRITE_FUZZ_SEEDS") == "1"
	elfData := readTestdata(t, "tiny.elf")
	dir := filepath.Join("testdata", "fuzz", "FuzzELF")
	if err := os.MkdirAll(dir, 0o755); write && err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]byte{"full": elfData}
	// Truncations at every structure boundary: ident, header, each
	// program header, the start and middle of each segment's bytes.
	for _, n := range []int{0, 4, 16, 0x30, 0x40, 0x40 + 56, 0x40 + 2*56, 0x40 + 3*56, 0x1000, 0x1008, 0x2000, 0x2800, 0x3008} {
		if n < len(elfData) {
			seeds[fmt.Sprintf("trunc-%#x", n)] = elfData[:n]
		}
	}
	mut := func(name string, off int, v uint64) {
		b := append([]byte(nil), elfData...)
		binary.LittleEndian.PutUint64(b[off:], v)
		seeds[name] = b
	}
	mut("filesz-gt-memsz", phdr(2, 32), 0x4000)
	mut("overlap", phdr(2, 24), 0x80000008)
	mut("shoff-huge", 0x28, ^uint64(0)-100)
	mut("entry-outside", 0x18, 0x90000000)
	for name, b := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		path := filepath.Join(dir, name)
		if !write {
			if old, err := os.ReadFile(path); err != nil || string(old) != content {
				t.Errorf("%s is not the seed tiny.elf gives (%v): rewrite the seeds with VCHECK_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./spec/load", path, err)
			}
			continue
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
