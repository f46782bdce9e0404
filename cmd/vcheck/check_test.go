package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// skewed wraps a target and corrupts the rd value of its 20th record:
// the smallest bug a checker must not miss.
type skewed struct {
	diff.Target
	n int
}

func (s *skewed) Step() spec.Retire {
	r := s.Target.Step()
	s.n++
	if s.n == 20 && r.Rd.Valid {
		r.Rd.Value ^= 1
	}
	return r
}

func init() {
	targets.Register("test-skewed-ref", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		f, err := targets.Lookup("ref")
		if err != nil {
			return nil, err
		}
		t, err := f(cfg, img)
		return &skewed{Target: t}, err
	})
}

func runCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"check"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckAgreeingTargets(t *testing.T) {
	code, out, errs := runCheck(t, "--a", "ref", "--b", "ref", "--dirs", "seed")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Equivalence       HOLDS", "Theorem 1         HOLDS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckFindsADivergence(t *testing.T) {
	code, out, _ := runCheck(t, "--a", "ref", "--b", "test-skewed-ref", "--dirs", "seed", "--json")
	if code != exitFailure {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailure, out)
	}
	var v checkVerdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	found := false
	for _, p := range v.Programs {
		found = found || p.Status == "diverged" && strings.Contains(p.Reason, "Rd.Value")
	}
	if v.Equivalence != "fails" || !found {
		t.Fatalf("verdict does not show the corrupted record: %+v", v)
	}
}

func TestCheckUsage(t *testing.T) {
	for _, args := range [][]string{{"--a", "nosuch"}, {"extra-arg"}, {"--dirs", "nosuchdir"}, {"--bogus"}} {
		if code, _, _ := runCheck(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestDeclaredTheorem1(t *testing.T) {
	r := declaredTheorem1()
	if !r.Holds || r.Privileged == 0 {
		t.Fatalf("declared Theorem 1 on rv64pg: %+v", r)
	}
	saved := spec.Insts[0].Class
	spec.Insts[0].Class = spec.BehaviorSensitive
	defer func() { spec.Insts[0].Class = saved }()
	if r := declaredTheorem1(); r.Holds || len(r.Offending) != 1 || r.Offending[0] != spec.Insts[0].Name {
		t.Fatalf("a sensitive, unprivileged row must break Theorem 1: %+v", r)
	}
}
