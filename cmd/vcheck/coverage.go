package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/coverage"
	"sort"
	"strconv"
	"strings"
)

// vcheck fuzz --coverage DIR: the statement coverage of impl/ that a
// campaign reaches, from Go's own coverage instrumentation of the
// running binary (docs/testing.md, "What a campaign reaches"). The
// binary must be built with it:
//
//	go build -cover -covermode=atomic -coverpkg=./impl/...,./cmd/vcheck -o vcheck-cover ./cmd/vcheck
//
// (scripts/fuzz-coverage.sh does that and runs the campaign). At the end
// the counters are written to DIR, turned into a text profile with `go
// tool covdata textfmt`, and summarized: statements per package, and the
// uncovered regions (consecutive uncovered blocks of a file) largest
// first, all of them in DIR/uncovered.txt.

// implPrefix is the import path of the packages measured.
const implPrefix = "github.com/vcheck-dev/vcheck/impl/"

// coverageRun is one --coverage measurement.
type coverageRun struct{ dir string }

// coverageJSON is the --json form of the measurement.
type coverageJSON struct {
	Dir        string            `json:"dir"`
	Statements int               `json:"statements"`
	Covered    int               `json:"covered"`
	Percent    float64           `json:"percent"`
	Packages   []coveragePackage `json:"packages"`
	// Uncovered are the largest uncovered regions (all in DIR/uncovered.txt).
	Uncovered []coverageRegion `json:"uncovered"`
}

type coveragePackage struct {
	Package    string  `json:"package"`
	Statements int     `json:"statements"`
	Covered    int     `json:"covered"`
	Percent    float64 `json:"percent"`
}

type coverageRegion struct {
	File       string `json:"file"` // relative to the repository
	From       int    `json:"from"` // lines
	To         int    `json:"to"`
	Statements int    `json:"statements"`
}

// startCoverage checks that the binary can measure coverage and makes
// DIR; nil when dir is "".
func startCoverage(e *env, dir string) (*coverageRun, int) {
	if dir == "" {
		return nil, exitOK
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, e.usagef("--coverage: %v", err)
	}
	if err := coverage.WriteMetaDir(dir); err != nil {
		return nil, e.usagef("--coverage: this vcheck was not built with coverage (%v); build one with\n  go build -cover -covermode=atomic -coverpkg=./impl/...,./cmd/vcheck -o vcheck-cover ./cmd/vcheck\nor run scripts/fuzz-coverage.sh", err)
	}
	return &coverageRun{dir: dir}, exitOK
}

// finish writes the counters and summarizes them.
func (c *coverageRun) finish() (*coverageJSON, error) {
	if c == nil {
		return nil, nil
	}
	if err := coverage.WriteCountersDir(c.dir); err != nil {
		return nil, err
	}
	profile := filepath.Join(c.dir, "profile.txt")
	cmd := exec.Command("go", "tool", "covdata", "textfmt", "-i", c.dir, "-o", profile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go tool covdata textfmt: %v: %s", err, out)
	}
	f, err := os.Open(profile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, all, err := summarizeProfile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", profile, err)
	}
	rep.Dir = c.dir
	var b strings.Builder
	for _, r := range all {
		fmt.Fprintf(&b, "%s:%d-%d\t%d statements\n", r.File, r.From, r.To, r.Statements)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "uncovered.txt"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return rep, nil
}

// summarizeProfile reads a text coverage profile (go tool cover's
// format) and returns the figures for impl/ and every uncovered region,
// largest first.
func summarizeProfile(r io.Reader) (*coverageJSON, []coverageRegion, error) {
	type block struct {
		from, to, stmts int
		hit             bool
	}
	files := map[string]map[[2]int]*block{} // file -> (from line, col) -> block
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// file:l0.c0,l1.c1 stmts count
		colon := strings.LastIndexByte(line, ':')
		fields := strings.Fields(line[colon+1:])
		if colon < 0 || len(fields) != 3 {
			return nil, nil, fmt.Errorf("malformed line %q", line)
		}
		file := line[:colon]
		if !strings.HasPrefix(file, implPrefix) {
			continue
		}
		var l0, c0, l1, c1 int
		if _, err := fmt.Sscanf(fields[0], "%d.%d,%d.%d", &l0, &c0, &l1, &c1); err != nil {
			return nil, nil, fmt.Errorf("malformed position in %q", line)
		}
		stmts, err1 := strconv.Atoi(fields[1])
		count, err2 := strconv.Atoi(fields[2])
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, fmt.Errorf("malformed counts in %q", line)
		}
		if files[file] == nil {
			files[file] = map[[2]int]*block{}
		}
		k := [2]int{l0, c0}
		if b := files[file][k]; b != nil {
			b.hit = b.hit || count > 0
			continue
		}
		files[file][k] = &block{l0, l1, stmts, count > 0}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	rep := &coverageJSON{Packages: []coveragePackage{}, Uncovered: []coverageRegion{}}
	pkgs := map[string]*coveragePackage{}
	var regions []coverageRegion
	for file, blocks := range files {
		pkg := filepath.Dir(file)
		p := pkgs[pkg]
		if p == nil {
			p = &coveragePackage{Package: strings.TrimPrefix(pkg, "github.com/vcheck-dev/vcheck/")}
			pkgs[pkg] = p
		}
		list := make([]*block, 0, len(blocks))
		for _, b := range blocks {
			list = append(list, b)
			p.Statements += b.stmts
			if b.hit {
				p.Covered += b.stmts
			}
		}
		sort.Slice(list, func(i, j int) bool { return list[i].from < list[j].from })
		rel := strings.TrimPrefix(file, "github.com/vcheck-dev/vcheck/")
		var cur *coverageRegion
		for _, b := range list {
			switch {
			case b.hit:
				if cur != nil {
					regions = append(regions, *cur)
					cur = nil
				}
			case cur != nil:
				cur.To = max(cur.To, b.to)
				cur.Statements += b.stmts
			default:
				cur = &coverageRegion{File: rel, From: b.from, To: b.to, Statements: b.stmts}
			}
		}
		if cur != nil {
			regions = append(regions, *cur)
		}
	}
	for _, p := range pkgs {
		p.Percent = percent(p.Covered, p.Statements)
		rep.Statements += p.Statements
		rep.Covered += p.Covered
		rep.Packages = append(rep.Packages, *p)
	}
	sort.Slice(rep.Packages, func(i, j int) bool { return rep.Packages[i].Package < rep.Packages[j].Package })
	rep.Percent = percent(rep.Covered, rep.Statements)
	sort.SliceStable(regions, func(i, j int) bool {
		if regions[i].Statements != regions[j].Statements {
			return regions[i].Statements > regions[j].Statements
		}
		if regions[i].File != regions[j].File {
			return regions[i].File < regions[j].File
		}
		return regions[i].From < regions[j].From
	})
	rep.Uncovered = append(rep.Uncovered, regions[:min(len(regions), 40)]...)
	return rep, regions, nil
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(1000*float64(n)/float64(of)+0.5)) / 10
}

// print writes the summary for people.
func (c *coverageJSON) print(w io.Writer) {
	fmt.Fprintf(w, "\nstatement coverage of impl/: %.1f%% (%d of %d statements)\n", c.Percent, c.Covered, c.Statements)
	for _, p := range c.Packages {
		fmt.Fprintf(w, "  %-16s %5.1f%% (%d of %d)\n", p.Package, p.Percent, p.Covered, p.Statements)
	}
	fmt.Fprintf(w, "largest uncovered regions (all of them in %s):\n", filepath.Join(c.Dir, "uncovered.txt"))
	for _, r := range c.Uncovered {
		fmt.Fprintf(w, "  %s:%d-%d  %d statements\n", r.File, r.From, r.To, r.Statements)
	}
}
