package tlacheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TLC is an installed TLC: `java -cp $TLA2TOOLS_JAR tlc2.TLC`, or a `tlc`
// script on the PATH (as the TLA+ tools and most packages install it).
type TLC struct {
	Argv []string // the command that runs tlc2.TLC, before TLC's own flags
}

// FindTLC finds TLC: TLA2TOOLS_JAR (with java), else `tlc` on the PATH.
// It returns nil if there is none.
func FindTLC() *TLC {
	if jar := os.Getenv("TLA2TOOLS_JAR"); jar != "" {
		if _, err := os.Stat(jar); err == nil {
			if java, err := exec.LookPath("java"); err == nil {
				return &TLC{Argv: []string{java, "-XX:+UseParallelGC", "-cp", jar, "tlc2.TLC"}}
			}
		}
	}
	if tlc, err := exec.LookPath("tlc"); err == nil {
		return &TLC{Argv: []string{tlc}}
	}
	return nil
}

// Output of TLC that we read.
var (
	tlcStatesRE    = regexp.MustCompile(`([\d,]+) states generated, ([\d,]+) distinct states found`)
	tlcInvariantRE = regexp.MustCompile(`Error: Invariant (\w+) is violated`)
	// TLC 2.x names the property ("Temporal property P was violated");
	// older releases do not ("Temporal properties were violated").
	tlcPropertyRE  = regexp.MustCompile(`Error: Temporal propert(?:y (\w+) was|ies were) violated`)
	tlcDeadlockRE  = regexp.MustCompile(`Error: Deadlock reached`)
	tlcSuccessRE   = regexp.MustCompile(`Model checking completed\. No error has been found`)
	tlcDepthRE     = regexp.MustCompile(`The depth of the complete state graph search is (\d+)`)
	tlcErrorRE     = regexp.MustCompile(`(?m)^Error: .*$`)
	tlcStateLineRE = regexp.MustCompile(`(?m)^State \d+: `)
)

// tlcRun is one run of TLC.
type tlcRun struct {
	out       string
	seconds   float64
	states    int // distinct states found
	generated int // states generated
	depth     int
}

// atoi reads a count that TLC may print with thousands separators.
func atoi(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// run runs TLC on spec.tla with spec.cfg, both in dir, with a metadir
// outside the source tree.
func (t *TLC) run(dir, spec string) (*tlcRun, error) {
	meta, err := os.MkdirTemp("", "vcheck-tlc-meta-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(meta)
	args := append(append([]string{}, t.Argv[1:]...),
		"-workers", "auto", "-metadir", meta, "-config", spec+".cfg", spec+".tla")
	cmd := exec.Command(t.Argv[0], args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	r := &tlcRun{out: out.String(), seconds: time.Since(start).Seconds()}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		return nil, fmt.Errorf("running TLC: %v", err)
	}
	if m := tlcStatesRE.FindAllStringSubmatch(r.out, -1); m != nil {
		// The last report is the final one.
		r.generated, r.states = atoi(m[len(m)-1][1]), atoi(m[len(m)-1][2])
	}
	if m := tlcDepthRE.FindStringSubmatch(r.out); m != nil {
		r.depth = atoi(m[1])
	}
	return r, nil
}

// stageModels copies every .tla and .cfg of src into a fresh temporary
// directory, so that TLC's own files (trace specs, states) never land in
// the source tree.
func stageModels(src string) (string, error) {
	dst, err := os.MkdirTemp("", "vcheck-tlc-")
	if err != nil {
		return "", err
	}
	for _, pat := range []string{"*.tla", "*.cfg"} {
		files, _ := filepath.Glob(filepath.Join(src, pat))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				os.RemoveAll(dst)
				return "", err
			}
			if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
				os.RemoveAll(dst)
				return "", err
			}
		}
	}
	return dst, nil
}

// Check runs TLC on model m.
func (t *TLC) Check(m Model) (*Result, error) {
	dir, err := stageModels(m.Dir)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	run, err := t.run(dir, m.Name)
	if err != nil {
		return nil, err
	}
	r := &Result{Checker: "tlc", States: run.states, Generated: run.generated, Depth: run.depth, Seconds: run.seconds}
	out := run.out
	switch {
	case tlcInvariantRE.MatchString(out):
		r.Kind, r.Violated = "invariant", tlcInvariantRE.FindStringSubmatch(out)[1]
	case tlcPropertyRE.MatchString(out):
		r.Kind = "property"
		if p := tlcPropertyRE.FindStringSubmatch(out)[1]; p != "" {
			r.Violated = p
		} else {
			r.Violated = tlcViolatedProperty(out, cfgList(readFileString(filepath.Join(m.Dir, m.Name+".cfg")), "PROPERTY", "PROPERTIES"))
		}
	case tlcDeadlockRE.MatchString(out):
		r.Kind, r.Violated = "deadlock", "Deadlock"
	case tlcSuccessRE.MatchString(out):
		r.Holds = true
	default:
		r.Kind, r.Violated = "error", "TLC"
		r.Message = strings.Join(tlcErrorRE.FindAllString(out, 5), "\n")
		if r.Message == "" {
			r.Message = lastLines(out, 15)
		}
	}
	if !r.Holds && r.Kind != "error" {
		if i := tlcStateLineRE.FindStringIndex(out); i != nil {
			r.Counterexample = out[i[0]:]
		}
		r.Message = strings.Join(tlcErrorRE.FindAllString(out, 3), "\n")
	}
	return r, nil
}

// tlcViolatedProperty names the violated PROPERTY: TLC prints the
// formula's text after "Temporal properties were violated", so look for a
// property name there; with a single property, it is that one.
func tlcViolatedProperty(out string, props []string) string {
	if len(props) == 1 {
		return props[0]
	}
	i := tlcPropertyRE.FindStringIndex(out)[0]
	tail := out[i:]
	if j := strings.Index(tail, "State 1:"); j > 0 {
		tail = tail[:j]
	}
	for _, p := range props {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(p) + `\b`).MatchString(tail) {
			return p
		}
	}
	return "?"
}

func readFileString(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
