package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func TestRaw(t *testing.T) {
	data := []byte{0x13, 0, 0, 0}
	p := Raw("img.bin", data, 0x80200000)
	if p.Entry != 0x80200000 || len(p.Segments) != 1 {
		t.Fatalf("Raw: entry %#x, %d segments; want 0x80200000, 1", p.Entry, len(p.Segments))
	}
	s := p.Segments[0]
	if s.Addr != 0x80200000 || s.MemSize != 4 || !bytes.Equal(s.Data, data) {
		t.Errorf("segment %+v", s)
	}
	data[0] = 0xff
	if s.Data[0] != 0x13 {
		t.Error("Raw aliases the caller's slice; a later change to it would change the program")
	}
	if p := Raw("empty", nil, 0x80000000); len(p.Segments) != 0 {
		t.Errorf("empty raw image has segments %+v", p.Segments)
	}
}

func TestFileSniffs(t *testing.T) {
	p, err := File(filepath.Join("testdata", "tiny.elf"), 0x1234)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Segments) != 2 || p.Entry != 0x80000000 {
		t.Errorf("ELF read as raw? entry %#x, %d segments", p.Entry, len(p.Segments))
	}

	dir := t.TempDir()
	raw := filepath.Join(dir, "image.bin")
	if err := os.WriteFile(raw, []byte("\x13\x00\x00\x00\x6f\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = File(raw, 0x80200000)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "image.bin" || p.Entry != 0x80200000 || len(p.Segments) != 1 || p.Segments[0].MemSize != 8 {
		t.Errorf("raw file: %+v", p)
	}

	// A broken ELF must not quietly become a raw image.
	bad := filepath.Join(dir, "bad.elf")
	elfData := readTestdata(t, "tiny.elf")
	if err := os.WriteFile(bad, elfData[:0x30], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := File(bad, 0x80000000); err == nil || !strings.Contains(err.Error(), "bad.elf: truncated") {
		t.Errorf("truncated ELF: err = %v, want a truncation error naming bad.elf", err)
	}
	empty := filepath.Join(dir, "empty.bin")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := File(empty, 0x80000000); err == nil {
		t.Error("empty file loaded without error")
	}
	if _, err := File(filepath.Join(dir, "missing"), 0); err == nil {
		t.Error("missing file loaded without error")
	}
	if _, err := File(raw, ^uint64(0)-3); err == nil || !strings.Contains(err.Error(), "wrap") {
		t.Errorf("raw image wrapping the address space: err = %v", err)
	}
}

func TestCheckFits(t *testing.T) {
	cfg := spec.DefaultConfig() // 128 MiB: RAM is [0x80000000, 0x88000000)
	seg := func(addr, size uint64) *Program {
		return &Program{Name: "p.elf", Segments: []Segment{{Addr: addr, Data: nil, MemSize: size}}}
	}
	tests := []struct {
		name       string
		addr, size uint64
		ok         bool
	}{
		{"RAM start", 0x80000000, 0x1000, true},
		{"RAM end exactly", 0x88000000 - 0x1000, 0x1000, true},
		{"past RAM end", 0x88000000 - 0x1000, 0x1001, false},
		{"above RAM", 0x90000000, 4, false},
		{"below RAM", 0x7ffffffc, 8, false},
		{"boot ROM", 0x1000, 0xf000, true},
		{"past boot ROM", 0x1000, 0xf001, false},
		{"UART registers", spec.UARTBase, 4, false},
		{"zero page", 0, 4, false},
		{"wraps", ^uint64(0) - 4, 16, false},
		{"huge", 0x80000000, ^uint64(0), false},
	}
	for _, tt := range tests {
		err := CheckFits(seg(tt.addr, tt.size), cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: [%#x, +%#x): err = %v, want ok = %v", tt.name, tt.addr, tt.size, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "p.elf: segment 0") {
			t.Errorf("%s: error %q does not name the program and segment", tt.name, err)
		}
	}
	p, err := ELF(filepath.Join("testdata", "tiny.elf"))
	if err != nil {
		t.Fatal(err)
	}
	small := cfg
	small.RAM = 0x2000 // tiny.elf needs up to 0x80004008
	if err := CheckFits(p, small); err == nil || !strings.Contains(err.Error(), "segment 1 [0x80001000, 0x80004008)") {
		t.Errorf("tiny.elf in 8 KiB of RAM: err = %v", err)
	}
	if err := CheckFits(p, cfg); err != nil {
		t.Errorf("tiny.elf in 128 MiB: %v", err)
	}
}
