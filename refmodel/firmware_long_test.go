//go:build long

package refmodel

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

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
// It takes about half a minute: an opt-in, go test -tags long.
func TestUBootPoweroffLong(t *testing.T) {
	fw, err := load.File(testtool.File(t, openSBI), spec.RAMBase)
	if err != nil {
		t.Fatal(err)
	}
	k, err := load.File(testtool.File(t, uBoot), spec.RAMBase+0x200000)
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
