package asm

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Tools the external-oracle tests need. CI installs them; a local run
// without them skips, but CI=true turns a missing tool into a failure.
const (
	gnuAs   = "riscv64-unknown-elf-as"
	gnuLd   = "riscv64-unknown-elf-ld"
	qemuRV  = "qemu-system-riscv64"
	gnuArch = "-march=rv64imac_zicsr_zifencei"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must install it (%v)", name, err)
		}
		t.Skipf("%s not installed; this test compares against it", name)
	}
	return p
}

// gnuAssemble runs GNU as on src and returns the object file. -mno-relax
// because this assembler links itself and does no linker relaxation.
func gnuAssemble(t *testing.T, src string) []byte {
	t.Helper()
	as := needTool(t, gnuAs)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.S"), filepath.Join(dir, "a.o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(as, gnuArch, "-mpriv-spec=1.12", "-mno-relax", "-o", out, in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("GNU as failed: %v\n%s", err, firstLines(stderr.String(), 30))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gnuLink assembles src and links it with a script that lays sections
// out as this assembler does: read-only at 0x80000000, writable from the
// next page.
func gnuLink(t *testing.T, src string) []byte {
	t.Helper()
	obj := gnuAssemble(t, src)
	ld := needTool(t, gnuLd)
	dir := t.TempDir()
	o, script, out := filepath.Join(dir, "a.o"), filepath.Join(dir, "a.ld"), filepath.Join(dir, "a.elf")
	const layout = `SECTIONS {
  . = 0x80000000;
  .text : { *(.text) }
  . = ALIGN(0x1000);
  .data : { *(.data) }
  .bss : { *(.bss) }
}`
	if err := os.WriteFile(o, obj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ld, "--no-relax", "-nostdlib", "-T", script, "-o", out, o)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("GNU ld failed: %v\n%s", err, firstLines(stderr.String(), 30))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sectionData returns a section's bytes from an ELF image.
func sectionData(t *testing.T, image []byte, name string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(name)
	if s == nil {
		return nil
	}
	if s.Type == elf.SHT_NOBITS {
		return make([]byte, s.Size)
	}
	b, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstLines(s string, n int) string {
	lines := bytes.SplitN([]byte(s), []byte("\n"), n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
