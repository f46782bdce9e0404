package engine

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

const openSBI = "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.elf"

// TestOpenSBIBoots boots QEMU's own OpenSBI (fw_dynamic, from the QEMU
// package) through the boot ROM and the generated device tree, up to its
// banner's last line: PMP, CLINT, UART, traps and delegation all take part.
func TestOpenSBIBoots(t *testing.T) {
	cfg := testConfig()
	cfg.RAM = 128 << 20
	m := bootELF(t, cfg, testtool.File(t, openSBI))
	var out bytes.Buffer
	m.SetConsole(strings.NewReader(""), &out)
	for i := 0; i < 100 && !strings.Contains(out.String(), "Boot HART MEDELEG"); i++ {
		m.Run(200_000)
	}
	for _, want := range []string{"OpenSBI", "Platform HART Count       : 1", "Boot HART Base ISA        : rv64imac",
		"Boot HART PMP Count       : 16", "Boot HART MIDELEG         : 0x0000000000000222"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, out.String())
		}
	}
}
