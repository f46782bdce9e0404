package asm

import (
	"strings"
	"testing"
)

// TestLinemarkers: after a C preprocessor, errors name the file and line
// a person wrote, following the GNU linemarkers.
func TestLinemarkers(t *testing.T) {
	src := "# 1 \"main.S\"\nnop\n# 1 \"h.h\"\n\nbogus1\n# 3 \"main.S\"\nbogus2\n"
	_, err := Assemble("main.S", []byte(src), Options{})
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{`h.h:2: unknown instruction "bogus1"`, `main.S:3: unknown instruction "bogus2"`} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	// Without linemarkers, lines are the input's own.
	if _, err := Assemble("x.S", []byte("nop\nbogus\n"), Options{}); err == nil || !strings.Contains(err.Error(), "x.S:2:") {
		t.Errorf("plain input: %v", err)
	}
}
