package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawImage writes RV64 instruction words as a raw image.
func rawImage(t *testing.T, name string, words ...uint32) string {
	t.Helper()
	b := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDiffKernel: --kernel loads a raw image where QEMU's -kernel puts it
// (0x80200000), so vcheck diff runs a firmware and kernel pair in
// lockstep; without it the firmware jumps into empty RAM.
func TestDiffKernel(t *testing.T) {
	fw := rawImage(t, "fw.bin",
		0x00200297, // auipc t0, 0x200: 0x80200000
		0x00028067, // jr t0
	)
	k := rawImage(t, "k.bin",
		0x001002b7, // lui t0, 0x100: the finisher
		0x00005337, // lui t1, 0x5
		0x55530313, // addi t1, t1, 0x555
		0x0062a023, // sw t1, 0(t0): pass
		0x0000006f, // j .
	)
	code, out, errs := runCLI("diff", "--a", "ref", "--b", "engine", "--kernel", k, fw)
	if code != exitOK || !strings.HasPrefix(out, "EQUAL") || strings.Count(out, "finisher, exit code 0") != 2 {
		t.Errorf("with --kernel: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI("diff", "--a", "ref", "--b", "engine", "--kernel", k, "--json", fw)
	var j diffJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitOK || j.Verdict != "equal" || j.Kernel != k {
		t.Errorf("--json with --kernel: exit %d, %v\n%s%s", code, err, out, errs)
	}
	code, out, errs = runCLI("diff", "--a", "ref", "--b", "engine", "--limit", "1000", fw)
	if code != exitInconclusive || strings.Contains(out, "finisher") {
		t.Errorf("without --kernel: exit %d (want %d: no finisher exit)\n%s%s", code, exitInconclusive, out, errs)
	}
	code, _, errs = runCLI("diff", "--kernel", "/no/such/kernel.bin", fw)
	if code != exitUsage || !strings.Contains(errs, "kernel.bin") {
		t.Errorf("missing kernel: exit %d, want %d\n%s", code, exitUsage, errs)
	}
}
