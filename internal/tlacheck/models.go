// Package tlacheck runs the TLA+ models of tla/ (the resource-control spec
// of the VMM) under TLC when it is installed, or else under tla-checker, a
// TLA+ model checker compiled to WebAssembly (npm), and validates VMM event
// traces against the spec. See tla/README.md.
package tlacheck

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Model is one TLC model: Name.tla with Name.cfg.
//
// A model whose name starts with "MC_" must pass. A model whose name
// starts with "Broken_" is a deliberately broken variant: the checker must
// reject it with a counterexample, and the violation it reports must be
// the one its cfg announces in a comment line `\* EXPECT: Name` (an
// invariant, a PROPERTY, or "Deadlock").
//
// A broken model whose violation tla-checker is known not to find says so
// in a cfg line `\* WASM-MISSES: why`; under the WebAssembly checker its
// "not rejected" is then reported as that known miss, not as a failure
// (TLC must still reject it).
type Model struct {
	Name       string
	Dir        string
	Expect     string // "" for a good model
	WasmMisses string // why tla-checker does not reject this broken model
}

// Broken reports whether the model is a deliberately broken variant.
func (m Model) Broken() bool { return strings.HasPrefix(m.Name, "Broken_") }

var (
	expectRE     = regexp.MustCompile(`^\\\*\s*EXPECT:\s*(\w+)`)
	wasmMissesRE = regexp.MustCompile(`^\\\*\s*WASM-MISSES:\s*(.*\S)`)
)

// Models lists the models of the tla directory dir, good ones first.
func Models(dir string) ([]Model, error) {
	cfgs, err := filepath.Glob(filepath.Join(dir, "*.cfg"))
	if err != nil {
		return nil, err
	}
	var ms []Model
	for _, c := range cfgs {
		name := strings.TrimSuffix(filepath.Base(c), ".cfg")
		if !strings.HasPrefix(name, "MC_") && !strings.HasPrefix(name, "Broken_") {
			continue
		}
		m, err := LoadModel(dir, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Broken() != ms[j].Broken() {
			return !ms[i].Broken()
		}
		return ms[i].Name < ms[j].Name
	})
	return ms, nil
}

// LoadModel reads the model name of dir.
func LoadModel(dir, name string) (Model, error) {
	m := Model{Name: name, Dir: dir}
	if _, err := os.Stat(filepath.Join(dir, name+".tla")); err != nil {
		return m, fmt.Errorf("model %s: %w", name, err)
	}
	f, err := os.Open(filepath.Join(dir, name+".cfg"))
	if err != nil {
		return m, fmt.Errorf("model %s: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if e := expectRE.FindStringSubmatch(strings.TrimSpace(sc.Text())); e != nil {
			m.Expect = e[1]
		}
		if w := wasmMissesRE.FindStringSubmatch(strings.TrimSpace(sc.Text())); w != nil {
			m.WasmMisses = w[1]
		}
	}
	if m.Broken() && m.Expect == "" {
		return m, fmt.Errorf("model %s: a Broken_ model needs a `\\* EXPECT: Name` line in its cfg", name)
	}
	if !m.Broken() && m.Expect != "" {
		return m, fmt.Errorf("model %s: only Broken_ models may EXPECT a violation", name)
	}
	return m, sc.Err()
}

// FindDir finds the tla directory: start itself if it holds VMM.tla, or
// start/tla, or the same in a parent directory.
func FindDir(start string) (string, error) {
	d, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		for _, c := range []string{d, filepath.Join(d, "tla")} {
			if _, err := os.Stat(filepath.Join(c, "VMM.tla")); err == nil {
				return c, nil
			}
		}
		p := filepath.Dir(d)
		if p == d {
			return "", errors.New("no tla/VMM.tla in this directory or above it (use -dir)")
		}
		d = p
	}
}
