package refmodel

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
)

// openSBI is Debian's OpenSBI build for the generic platform (package
// opensbi), which QEMU virt boots with -bios.
const openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

// bootConsole runs elf until want appears on the console (or limit steps).
func bootConsole(t *testing.T, cfg spec.Config, elf, want string, limit uint64) (string, spec.Exit) {
	t.Helper()
	m := newMachineFor(t, cfg, elf)
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
// (one hart; with the opt-in -tags long also two) and requires the same console text up
// to the last "Boot HART" line:
// the banner, the platform (from the device tree spec/fdt generates) and
// what OpenSBI probed of the hart (ISA, PMP count, granularity and
// address bits, MHPM count, mideleg, medeleg).
func TestOpenSBIBanner(t *testing.T) {
	testtool.File(t, openSBI)
	harts := []int{1}
	if testtool.Long {
		harts = append(harts, 2) // about half a minute more
	}
	for _, n := range harts {
		t.Run(fmt.Sprintf("harts=%d", n), func(t *testing.T) {
			const last = "Boot HART MEDELEG"
			cfg := spec.DefaultConfig()
			cfg.Harts = n
			model, e := bootConsole(t, cfg, openSBI, last, 100_000_000)
			if !strings.Contains(model, last) {
				t.Fatalf("model: no %q line; stopped with %+v; console:\n%s", last, e, model)
			}
			model = upToLineWith(strings.ReplaceAll(model, "\r", ""), last)
			_, qemu := qemuRunFor(t, openSBI, 3*time.Second, true, "-smp", strconv.Itoa(n))
			qemu = upToLineWith(strings.ReplaceAll(qemu, "\r", ""), last)
			if model != qemu {
				t.Errorf("console differs from QEMU 7.2\nmodel:\n%s\nqemu:\n%s", model, qemu)
			}
		})
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
