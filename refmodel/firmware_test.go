package refmodel

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
)

// openSBI is Debian's OpenSBI build for the generic platform (package
// opensbi), which QEMU virt boots with -bios.
const openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

// bootConsole runs elf until want appears on the console (or limit steps).
func bootConsole(t *testing.T, elf, want string, limit uint64) (string, spec.Exit) {
	t.Helper()
	m := newMachineFor(t, spec.DefaultConfig(), elf)
	var out bytes.Buffer
	m.SetConsole(nil, &out)
	var e spec.Exit
	for n := uint64(0); n < limit; n += 100_000 {
		e = m.Run(100_000)
		if e.Reason != spec.HaltLimit || strings.Contains(out.String(), want) {
			break
		}
	}
	return out.String(), e
}

// TestOpenSBIBanner boots OpenSBI's fw_jump on the model and on QEMU 7.2
// and requires the same console text up to the last "Boot HART" line:
// the banner, the platform (from the device tree spec/fdt generates) and
// what OpenSBI probed of the hart (ISA, PMP count, granularity and
// address bits, MHPM count, mideleg, medeleg).
func TestOpenSBIBanner(t *testing.T) {
	if _, err := os.Stat(openSBI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true (Debian package opensbi)", openSBI)
		}
		t.Skipf("no OpenSBI: %v", err)
	}
	const last = "Boot HART MEDELEG"
	model, e := bootConsole(t, openSBI, last, 50_000_000)
	if !strings.Contains(model, last) {
		t.Fatalf("model: no %q line; stopped with %+v; console:\n%s", last, e, model)
	}
	model = upToLineWith(strings.ReplaceAll(model, "\r", ""), last)
	_, qemu := qemuRunFor(t, openSBI, 3*time.Second, true)
	qemu = upToLineWith(strings.ReplaceAll(qemu, "\r", ""), last)
	if model != qemu {
		t.Errorf("console differs from QEMU 7.2\nmodel:\n%s\nqemu:\n%s", model, qemu)
	}
}

// upToLineWith cuts s after the line containing want.
func upToLineWith(s, want string) string {
	i := strings.Index(s, want)
	if i < 0 {
		return s
	}
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return s[:i+j+1]
	}
	return s
}
