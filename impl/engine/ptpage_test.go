package engine

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// TestTLBSlowFlagEveryGeneration: a store-TLB entry for a flagged page
// must miss on the fast path in every generation, and no entry may match
// in a later generation. (The slow-flag bit once was the generation's
// unit: in odd generations flagged pages were written directly, and an
// entry filled in generation g matched as a plain one in g+1.)
func TestTLBSlowFlagEveryGeneration(t *testing.T) {
	m, err := New(testConfig(), &boot.Image{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Harts[0]
	const va = 0x80003000
	m.pageFlags[3] |= pageCode
	for g := 0; g < 6; g++ {
		h.fillTLB(h.storeTLB, va, va, accStore, spec.ModeM)
		e := h.storeTLB[va>>12&(tlbSize-1)]
		if e.tag == va>>12|h.tlbGen {
			t.Fatalf("generation %#x: a flagged page's store entry hits the fast path", h.tlbGen)
		}
		if e.tag != va>>12|h.tlbGen|tlbSlowFlag {
			t.Fatalf("generation %#x: the slow path does not find the entry (tag %#x)", h.tlbGen, e.tag)
		}
		h.flushTLB()
		if e.tag == va>>12|h.tlbGen || e.tag == va>>12|h.tlbGen|tlbSlowFlag {
			t.Fatalf("generation %#x: an entry of the previous generation still matches", h.tlbGen)
		}
	}
}
