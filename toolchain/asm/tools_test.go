package asm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// Tools the external-oracle tests need. CI installs them; a local run
// without them skips, but CI=true turns a missing tool into a failure.
const (
	gnuAs   = "riscv64-unknown-elf-as"
	gnuLd   = "riscv64-unknown-elf-ld"
	qemuRV  = "qemu-system-riscv64"
	gnuArch = "-march=rv64imac_zicsr_zifencei"
)

// gnuAssemble runs GNU as on src and returns the object file. -mno-relax
// because this assembler links itself and does no linker relaxation.
func gnuAssemble(t *testing.T, src string) []byte {
	t.Helper()
	as := testtool.Tool(t, gnuAs)
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

// gnuLink assembles src and links it with ld, placing each section at
// the address this assembler gave it in obj (so that the bytes, which
// hold absolute and pc-relative addresses, can be compared).
func gnuLink(t *testing.T, src string, obj *Object) []byte {
	t.Helper()
	o := gnuAssemble(t, src)
	ld := testtool.Tool(t, gnuLd)
	dir := t.TempDir()
	objPath, script, out := filepath.Join(dir, "a.o"), filepath.Join(dir, "a.ld"), filepath.Join(dir, "a.elf")
	var layout strings.Builder
	layout.WriteString("SECTIONS {\n")
	for _, s := range obj.Sections {
		common := ""
		if s.Name == ".bss" {
			common = " *(COMMON)"
		}
		fmt.Fprintf(&layout, "  . = %#x;\n  %s : { *(%s)%s }\n", s.Addr, s.Name, s.Name, common)
	}
	layout.WriteString("}\n")
	if err := os.WriteFile(objPath, o, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(layout.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ld, "--no-relax", "-nostdlib", "-T", script, "-o", out, objPath)
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
