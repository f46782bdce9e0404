package refmodel

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
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
// (one hart; with -long also two) and requires the same console text up
// to the last "Boot HART" line:
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
	harts := []int{1}
	if *long {
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

// uBoot is Debian's U-Boot for QEMU virt in S-mode (package u-boot-qemu),
// which OpenSBI's fw_jump enters at 0x80200000 (QEMU: -kernel).
const uBoot = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"

// pacedReader hands out one byte every `every` reads: the UART polls its
// input once per retired instruction, so this types at a fixed,
// deterministic speed instead of all at once (a real line has a baud rate).
type pacedReader struct {
	data  []byte
	every int
	pause map[int]int // extra reads to wait before byte i
	i, n  int
}

func (r *pacedReader) Read(b []byte) (int, error) {
	if r.i >= len(r.data) {
		return 0, nil
	}
	r.n++
	if r.n < r.every+r.pause[r.i] {
		return 0, nil
	}
	r.n = 0
	b[0] = r.data[r.i]
	r.i++
	return 1, nil
}

// TestUBootPoweroffLong boots OpenSBI and U-Boot, stops autoboot with a
// key, types "poweroff" at the prompt and requires the finisher's pass.
// It takes about half a minute: run it with -long.
func TestUBootPoweroffLong(t *testing.T) {
	if !*long {
		t.Skip("a long boot: run with -long")
	}
	for _, f := range []string{openSBI, uBoot} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s is required (Debian packages opensbi, u-boot-qemu): %v", f, err)
		}
	}
	fw, err := load.File(openSBI, spec.RAMBase)
	if err != nil {
		t.Fatal(err)
	}
	k, err := load.File(uBoot, spec.RAMBase+0x200000)
	if err != nil {
		t.Fatal(err)
	}
	cfg := spec.DefaultConfig()
	img, err := boot.Build(cfg, fw, k)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// The key that stops autoboot comes once the countdown runs (about
	// 15M instructions in: input typed earlier is drained while U-Boot
	// starts), and the command once the prompt is there.
	m.SetConsole(&pacedReader{data: []byte("xpoweroff\n"), every: 200_000,
		pause: map[int]int{0: 20_000_000, 1: 30_000_000}}, &out)
	e := m.Run(200_000_000)
	if e.Reason != spec.HaltFinisher || e.Code != 0 || !strings.Contains(out.String(), "U-Boot 20") {
		t.Fatalf("%+v after %d retired; console:\n%s", e, m.Retired(), out.String())
	}
}
