package fdt

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// opensbiFirmware is where Debian's opensbi package puts fw_jump.elf
// (`dpkg -L opensbi`).
const opensbiFirmware = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

// TestOpenSBIBootsOnOurTree is the end-to-end oracle: QEMU boots real
// OpenSBI with our DTB (-dtb) in place of its own, and OpenSBI must find
// every device it needs in it, with the values we describe.
func TestOpenSBIBootsOnOurTree(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	fw := testtool.File(t, opensbiFirmware)
	for _, harts := range []int{1, 4} {
		t.Run(fmt.Sprintf("smp%d", harts), func(t *testing.T) {
			dtbFile := filepath.Join(t.TempDir(), "rv64pg.dtb")
			if err := os.WriteFile(dtbFile, mustBuild(t, config(128, harts)), 0o644); err != nil {
				t.Fatal(err)
			}
			want := []string{
				"Platform Name             : riscv-virtio,qemu",
				fmt.Sprintf("Platform HART Count       : %d", harts),
				"Platform IPI Device       : aclint-mswi",
				"Platform Timer Device     : aclint-mtimer @ 10000000Hz",
				"Platform Console Device   : uart8250",
				"Platform Reboot Device    : sifive_test",
				"Platform Shutdown Device  : sifive_test",
				"Domain0 Next Mode         : S-mode",
				"Boot HART Base ISA        : rv64imac",
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-cpu", qemuCPU, "-m", "128M",
				"-smp", fmt.Sprint(harts), "-dtb", dtbFile, "-bios", fw,
				"-display", "none", "-nodefaults", "-serial", "stdio", "-monitor", "none")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// OpenSBI then jumps to an empty 0x80200000 and never stops:
			// stop QEMU (the one process this test started) once the
			// banner is complete.
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			var out strings.Builder
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				out.WriteString(sc.Text() + "\n")
				if strings.HasPrefix(sc.Text(), "Boot HART ISA Extensions") {
					break
				}
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("OpenSBI did not print %q; it printed:\n%s", w, out.String())
				}
			}
		})
	}
}
