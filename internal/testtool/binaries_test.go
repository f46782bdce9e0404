package testtool

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// committedELFs returns the ELF files git tracks under root (relative
// paths, sorted). Only tracked files: a developer's tree also holds
// binaries that go build leaves (.gitignore).
func committedELFs(t *testing.T, root string) []string {
	t.Helper()
	cmd := exec.Command(Tool(t, "git"), "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files in %s: %v", root, err)
	}
	var elfs []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree, or a directory (submodule)
		}
		if bytes.HasPrefix(b, []byte("\x7fELF")) {
			elfs = append(elfs, f)
		}
	}
	sort.Strings(elfs)
	return elfs
}

// TestCommittedBinariesAreFresh: every ELF committed to the repository
// is what its directory's build.sh makes of the sources beside it, with
// Debian's toolchain, byte for byte. The script runs on a copy of the
// directory's files without the ELFs, so it must build every one of
// them.
func TestCommittedBinariesAreFresh(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	// What the build.sh scripts run.
	for _, tool := range []string{"riscv64-unknown-elf-gcc", "riscv64-unknown-elf-as", "riscv64-unknown-elf-ld", "riscv64-unknown-elf-objcopy"} {
		Tool(t, tool)
	}
	elfs := committedELFs(t, root)
	if len(elfs) < 6 {
		t.Fatalf("only %d committed ELF files (%v): is %s a git checkout of vcheck?", len(elfs), elfs, root)
	}
	byDir := map[string][]string{}
	for _, f := range elfs {
		byDir[filepath.Dir(f)] = append(byDir[filepath.Dir(f)], f)
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		t.Run(filepath.ToSlash(dir), func(t *testing.T) {
			checkBuild(t, root, dir, byDir[dir])
		})
	}
}

// checkBuild reruns dir/build.sh in a copy of dir (its files, not its
// subdirectories) without the ELFs, and compares each ELF it makes with
// the committed one.
func checkBuild(t *testing.T, root, dir string, elfs []string) {
	src := filepath.Join(root, dir)
	if _, err := os.Stat(filepath.Join(src, "build.sh")); err != nil {
		t.Fatalf("%s holds committed ELF files %v but no build.sh that makes them from source", dir, elfs)
	}
	work := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	isELF := map[string]bool{}
	for _, f := range elfs {
		isELF[filepath.Base(f)] = true
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || isELF[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", filepath.Join(work, "build.sh"))
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh %s/build.sh: %v\n%s", dir, err, out)
	}
	for _, f := range elfs {
		want, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(work, filepath.Base(f)))
		if err != nil {
			t.Errorf("%s/build.sh does not make %s: %v", dir, filepath.Base(f), err)
			continue
		}
		if !bytes.Equal(got, want) {
			at := 0
			for at < len(got) && at < len(want) && got[at] == want[at] {
				at++
			}
			t.Errorf("%s is stale: %s/build.sh makes %d bytes, the committed file has %d, first difference at offset %#x; rerun sh %s/build.sh and commit the result",
				f, dir, len(got), len(want), at, dir)
		}
	}
}
