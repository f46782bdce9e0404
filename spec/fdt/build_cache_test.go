package fdt

import (
	"bytes"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// TestBuildWithCopies: BuildWith keeps the DTBs it built, and each call
// returns a slice of its own, so a caller that changes its DTB changes
// no later machine's.
func TestBuildWithCopies(t *testing.T) {
	cfg := spec.DefaultConfig()
	opts := Options{Bootargs: "console=ttyS0"}
	first, err := BuildWith(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(first)
	for i := range first {
		first[i] = 0xff
	}
	again, err := BuildWith(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, want) {
		t.Fatal("a DTB changed by its caller came back from BuildWith")
	}
	again[0] ^= 1
	third, _ := BuildWith(cfg, opts)
	if !bytes.Equal(third, want) {
		t.Fatal("the cached DTB is shared with a caller")
	}
	other, err := BuildWith(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, want) {
		t.Fatal("different options gave the same DTB")
	}
}
