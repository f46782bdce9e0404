package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedIsFresh fails when spec/zdecode.go differs from what the
// generator makes from the current table: run `go generate ./spec`.
func TestGeneratedIsFresh(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../zdecode.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("spec/zdecode.go is stale: run `go generate ./spec`")
	}
}
