package testtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// LinuxScript is the script that builds the rv64pg Linux kernel
// (docs/linux.md), relative to the repository root.
const LinuxScript = "corpus/linux/build.sh"

// linuxNeeds is what LinuxScript needs from the machine, every item on
// the list: the kernel source and the cross compiler, and the kernel
// build's own tools (make, the host compiler and C library for its
// host programs, flex and bison for Kconfig, bc for its constants, xz
// for the tarball).
var linuxNeeds = struct{ tools, files []string }{
	tools: []string{"bash", "make", "gcc", "flex", "bison", "bc", "xz", "riscv64-linux-gnu-gcc", "riscv64-linux-gnu-readelf"},
	files: []string{"/usr/src/linux-source-6.1.tar.xz", "/usr/include/stdio.h"},
}

var linux struct {
	sync.Mutex
	dir string // set once a build succeeded
}

// Linux returns the directory that holds the rv64pg Linux kernel, Image
// (raw, for -kernel), with vmlinux, System.map, config and init beside
// it. LinuxScript builds it into the cache outside the repository when
// the cache lacks it (scripts/test.sh builds it before go test, so the
// tests' timeout does not include the build), which takes minutes; later
// calls, in this process or another, find it there. What the build needs
// is asked for as Tool and File ask: a missing package fails the test
// under CI=true and skips it elsewhere. A failed build fails the test.
func Linux(t testing.TB) string {
	t.Helper()
	for _, name := range linuxNeeds.tools {
		Tool(t, name)
	}
	for _, name := range linuxNeeds.files {
		File(t, name)
	}
	linux.Lock()
	defer linux.Unlock()
	if linux.dir != "" {
		return linux.dir
	}
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, filepath.FromSlash(LinuxScript))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(Tool(t, "bash"), script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash %s: %v\n%s", LinuxScript, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	dir := lines[len(lines)-1]
	if _, err := os.Stat(filepath.Join(dir, "Image")); err != nil {
		t.Fatalf("bash %s printed %q, which holds no Image: %v\n%s", LinuxScript, dir, err, stderr.String())
	}
	if s := stderr.String(); s != "" {
		t.Logf("%s", strings.TrimSpace(s)) // it built the kernel: say how long that took
	}
	linux.dir = dir
	return dir
}
