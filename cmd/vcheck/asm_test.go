package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runAsmCmd(args ...string) (stdout, stderr string, rc int) {
	var out, errb bytes.Buffer
	rc = run(append([]string{"asm"}, args...), &out, &errb)
	return out.String(), errb.String(), rc
}

func TestAsmCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "prog.S")
	if err := os.WriteFile(src, []byte(".globl _start\n_start: li a0, 1\n1: j 1b\n.data\nv: .dword 7\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Flags after the file name, as in "vcheck asm FILE.S -o FILE.elf".
	out := filepath.Join(dir, "out.elf")
	if _, stderr, rc := runAsmCmd(src, "-o", out); rc != exitOK {
		t.Fatalf("rc = %d, stderr %q", rc, stderr)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Entry != 0x80000000 || f.Machine != elf.EM_RISCV || f.Type != elf.ET_EXEC {
		t.Errorf("ELF: entry %#x machine %v type %v", f.Entry, f.Machine, f.Type)
	}

	// Default output name, and --json.
	stdout, stderr, rc := runAsmCmd("--json", "--text-base", "0x80200000", "--defsym", "LIMIT=0x40", src)
	if rc != exitOK {
		t.Fatalf("--json: rc = %d, stderr %q", rc, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "prog.elf")); err == nil {
		t.Errorf("--json without -o wrote prog.elf")
	}
	var j asmJSON
	if err := json.Unmarshal([]byte(stdout), &j); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	syms := map[string]uint64{}
	for _, s := range j.Symbols {
		syms[s.Name] = uint64(s.Value)
	}
	if j.Entry != 0x80200000 || len(j.Segments) != 2 || syms["_start"] != 0x80200000 || syms["v"] != 0x80201000 || syms["LIMIT"] != 0x40 {
		t.Errorf("--json = %+v", j)
	}
	if _, stderr, rc := runAsmCmd(src); rc != exitOK {
		t.Fatalf("default -o: rc = %d, %s", rc, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "prog.elf")); err != nil {
		t.Errorf("default output: %v", err)
	}
}

func TestAsmCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.S")
	if err := os.WriteFile(bad, []byte("nop\naddx a0, a1, a2\naddi a0, a0, 5000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, rc := runAsmCmd(bad, "-o", filepath.Join(dir, "bad.elf"))
	if rc != exitFailure {
		t.Errorf("assembly errors: rc = %d, want %d", rc, exitFailure)
	}
	for _, want := range []string{bad + `:2: unknown instruction "addx"`, bad + ":3: addi: immediate 5000 out of range [-2048, 2047]"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.elf")); err == nil {
		t.Errorf("an output file was written despite errors")
	}
	for _, args := range [][]string{{}, {"a.S", "b.S"}, {filepath.Join(dir, "missing.S")}, {"-bogus", bad}, {"--text-base", "zz", bad}, {"--defsym", "X", bad}, {"-"}} {
		if _, _, rc := runAsmCmd(args...); rc != exitUsage {
			t.Errorf("%q: rc = %d, want %d", args, rc, exitUsage)
		}
	}
}
