package testtool

import (
	"testing"
)

// recorder is a testing.TB that remembers how the test ended.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
}
func (r *recorder) Skip(args ...any) { r.skipped = true }

func TestMissingToolFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	Tool(r, "vcheck-no-such-tool")
	if !r.failed || r.skipped {
		t.Fatalf("under CI=true a missing tool must fail: %+v", r)
	}
	t.Setenv("CI", "")
	r = &recorder{TB: t}
	Tool(r, "vcheck-no-such-tool")
	if r.failed || !r.skipped {
		t.Fatalf("outside CI a missing tool must skip: %+v", r)
	}
	r = &recorder{TB: t}
	if p := Tool(r, "go"); p == "" || r.failed || r.skipped {
		t.Fatalf("an installed tool must be found: %q %+v", p, r)
	}
	r = &recorder{TB: t}
	File(r, "/nonexistent/fw_jump.elf", "opensbi")
	if !r.skipped {
		t.Fatal("a missing file must skip outside CI")
	}
}

func TestPackage(t *testing.T) {
	for tool, want := range map[string]string{
		"riscv64-unknown-elf-objdump": "binutils-riscv64-unknown-elf",
		"riscv64-unknown-elf-gcc":     "gcc-riscv64-unknown-elf",
		"qemu-system-riscv64":         "qemu-system-misc",
	} {
		if got := Package(tool); got != want {
			t.Errorf("Package(%s) = %s, want %s", tool, got, want)
		}
	}
}
