package fuzz

import (
	"os"
	"regexp"
	"testing"
)

// TestRapidVersion: rapid.go relies on rapid's internals at rapidVersion;
// a different version in go.mod must send its upgrader to that file.
func TestRapidVersion(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?pgregory\.net/rapid\s+(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require pgregory.net/rapid")
	}
	if v := string(m[1]); v != rapidVersion {
		t.Fatalf("go.mod requires pgregory.net/rapid %s, but fuzz/rapid.go was written for %s: check that its flags and testing.Short still work as it says, then update rapidVersion", v, rapidVersion)
	}
}
