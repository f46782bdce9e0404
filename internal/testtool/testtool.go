// Package testtool is how vcheck's tests ask for the external tools they
// compare against (GNU binutils and gcc, QEMU, dtc, OpenSBI). The rule is
// the same everywhere: scripts/test.sh installs every tool and sets
// CI=true, so under CI=true a missing tool fails the test; anywhere else
// the test is skipped with a message naming the Debian package.
//
// It lives under spec/ because every layer's tests use it and spec/ is the
// one tree both refmodel and impl may import; it only finds files.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// packages maps a tool to the Debian package that provides it.
var packages = map[string]string{
	"riscv64-unknown-elf-gcc": "gcc-riscv64-unknown-elf",
	"qemu-system-riscv64":     "qemu-system-misc",
	"dtc":                     "device-tree-compiler",
	"gdb-multiarch":           "gdb-multiarch",
	"node":                    "nodejs",
	"npm":                     "npm",
}

// Package returns the Debian package that provides tool.
func Package(tool string) string {
	if p, ok := packages[tool]; ok {
		return p
	}
	if strings.HasPrefix(tool, "riscv64-unknown-elf-") {
		return "binutils-riscv64-unknown-elf"
	}
	return tool
}

// Required reports whether missing tools fail tests (CI=true) rather
// than skip them.
func Required() bool { return os.Getenv("CI") == "true" }

// Unavailable ends the test because something it needs is missing: a
// failure under CI=true, a skip elsewhere.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatalf("%s (required under CI=true: scripts/test.sh installs it)", msg)
		return
	}
	t.Skip(msg)
}

// Tool returns the path of an external program the test needs.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "this test needs %s (Debian package %s): %v", name, Package(name), err)
	}
	return p
}

// File returns path when it exists; pkg is the Debian package that
// installs it.
func File(t testing.TB, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Unavailable(t, "this test needs %s (Debian package %s): %v", path, pkg, err)
	}
	return path
}
