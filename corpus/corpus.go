// Package corpus embeds vcheck's program corpus, so that `vcheck check`
// and the tests can run it with no files on disk:
//
//	corpus/ref/      hand-written tests of the reference model (#include "macros.h", link.ld)
//	corpus/bench/    benchmark programs
//	corpus/seed/     hand-written seed programs for the fuzzers
//	corpus/regress/  minimized divergences found by fuzzing, one .S each,
//	                 with a header comment saying what they caught (see
//	                 regress/README.md)
//
// Programs are .S sources (GNU syntax; those with #include need the C
// preprocessor, i.e. riscv64-unknown-elf-gcc) and prebuilt .elf files.
package corpus

import (
	"embed"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// files holds every file under corpus/: the pattern * takes whichever of
// the directories exist, so a new one needs no change here.
//
//go:embed *
var files embed.FS

// FS returns the corpus as a file system rooted at corpus/.
func FS() fs.FS { return files }

// Program is one corpus program.
type Program struct {
	Path string // relative to corpus/, e.g. "regress/ref-vs-engine-....S"
	Data []byte
}

// Dir is the directory of the program: "ref", "regress", ...
func (p Program) Dir() string { return path.Dir(p.Path) }

// IsSource reports whether the program is assembler source (.S or .s).
func (p Program) IsSource() bool { return strings.EqualFold(path.Ext(p.Path), ".s") }

// Header returns the leading comment block of a source program, without
// the comment markers: what a regress file says it caught.
func (p Program) Header() string {
	var b strings.Builder
	for _, ln := range strings.Split(string(p.Data), "\n") {
		t := strings.TrimSpace(ln)
		switch {
		case strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "#include") && !strings.HasPrefix(t, "#define"):
			b.WriteString(strings.TrimSpace(strings.TrimPrefix(t, "#")) + "\n")
		case strings.HasPrefix(t, "//"):
			b.WriteString(strings.TrimSpace(strings.TrimPrefix(t, "//")) + "\n")
		case t == "":
			if b.Len() > 0 {
				return b.String()
			}
		default:
			return b.String()
		}
	}
	return b.String()
}

// HeaderField returns the value of a "key: value" line of the header.
func (p Program) HeaderField(key string) (string, bool) {
	for _, ln := range strings.Split(p.Header(), "\n") {
		if v, ok := strings.CutPrefix(ln, key+":"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// hartsRE finds the "harts: N" a program's comment asks for.
var hartsRE = regexp.MustCompile(`\bharts:\s*([1-8])\b`)

// Harts is the number of harts the program needs: the N of a "harts: N"
// in its leading comment, or 1.
func (p Program) Harts() int {
	if !p.IsSource() {
		return 1
	}
	head := string(p.Data[:min(len(p.Data), 2048)])
	if m := hartsRE.FindStringSubmatch(head); m != nil {
		return int(m[1][0] - '0')
	}
	return 1
}

// Programs returns every .S and .elf program of the corpus, sorted by
// path. dirs, when given, limits it to those directories.
func Programs(dirs ...string) []Program {
	var out []Program
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := strings.ToLower(path.Ext(p))
		if ext != ".s" && ext != ".elf" {
			return nil
		}
		if len(dirs) > 0 && !contains(dirs, path.Dir(p)) {
			return nil
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, Program{Path: p, Data: data})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// ReadFile returns a file of the corpus by its path relative to corpus/
// (e.g. "ref/macros.h"), for includes and linker scripts.
func ReadFile(name string) ([]byte, error) { return files.ReadFile(name) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
