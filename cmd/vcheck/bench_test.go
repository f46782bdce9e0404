package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--qemu", "", "--ref=false", "../../corpus/bench/coremark.elf"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "coremark.elf") || !strings.Contains(out.String(), "engine MIPS") {
		t.Fatalf("table:\n%s", out.String())
	}
}

func TestBenchCommandNoPrograms(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"bench", "--dir", t.TempDir()}, &out, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
}
