package fuzz

import "pgregory.net/rapid"

// Page-table edits in the body. With Sv39 and the alias gigapage onto RAM
// (Test.AliasPTE), VA 0x40000000+X reaches guest-physical RAMBase+X
// read-write, the page tables included: the body can then rewrite the
// leaf PTE of a data page while it runs, and later accesses must see the
// new entry at once (no TLB: docs/decisions.md), with A and D set again as
// the walk sets them. Without the alias the store faults (a page fault,
// or an access fault in M-mode), which is a legal program too. This is
// what checks a VMM's shadow page tables for staleness (docs/vmm.md).

// pteAlias is the alias address of the leaf PTE of data page i.
func pteAlias(i int) int64 {
	return 0x40000000 + int64(PTLevel0-CodeBase) + 8*int64((DataBase-CodeBase)>>12+uint64(i))
}

// pteEdit draws "li a, alias of PTE; li v, new PTE; sd v, 0(a)": the new
// entry maps the data page back onto itself (or onto the other one) with
// permissions drawn like the setup's.
func (g *generator) pteEdit(t *rapid.T) Item {
	page := rapid.IntRange(0, DataPages-1).Draw(t, "ptepage")
	target := DataBase + uint64(rapid.IntRange(0, DataPages-1).Draw(t, "ptetarget"))<<12
	perm := rapid.SampledFrom(dataPTEs).Draw(t, "pteperm")
	if rapid.IntRange(0, 2).Draw(t, "pteuser") != 0 {
		perm |= pteU
	}
	ra := rapid.SampledFrom(writable[1:]).Draw(t, "ptereg")
	var others []int64
	for _, r := range writable[1:] {
		if r != ra {
			others = append(others, r)
		}
	}
	rv := rapid.SampledFrom(others).Draw(t, "pteval")
	insns := append(li(ra, pteAlias(page)), li(rv, int64(target>>12<<10|perm))...)
	insns = append(insns, mk("sd", rv, 0, ra))
	return Item{Insns: insns, Note: "pte edit"}
}
