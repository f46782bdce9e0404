package vmm

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/vcheck-dev/vcheck/spec"
)

// Audit is P&G's resource control, checked from the outside: what the
// guest can never change, as digests to compare before and after a run.
type Audit struct {
	// Outside is the SHA-256 of the host's RAM outside the guest's window
	// (the boot-ROM copy, the shadow-table pool, the guard), taken with
	// every shadow context released, so the pool is all zeros.
	Outside [32]byte
	// Harts is the SHA-256 of the physical harts' protection state: mode,
	// PMP, delegation, interrupt enables, trap vectors. (The counter
	// enables follow the guest on purpose, see counterEnables; Audit
	// checks them instead.)
	Harts [32]byte
	// Leaves is the number of shadow leaves checked before the release.
	Leaves int
}

// guardByte fills the guard pages, so that a stray write there shows.
const guardByte = 0xa5

// Audit checks the shadow tables (every leaf maps a page of the guest's
// window or, read-only, of the boot-ROM copy, with U, A and D set; tracked
// page tables, the ROM and the HTIF mailbox are never writable; host RAM
// holds exactly the tables the VMM wrote), then releases every context
// and hashes what the guest must never change. The release only costs
// exits later: the guest cannot tell.
func (vm *VM) Audit() (Audit, error) {
	var a Audit
	for _, v := range vm.vcpus {
		for _, c := range v.ctxs {
			n, err := vm.auditTable(c.root, 2, 0)
			if err != nil {
				return a, fmt.Errorf("vmm: vCPU %d context %+v: %w", v.id, c.key, err)
			}
			a.Leaves += n
		}
	}
	if err := vm.auditDeps(); err != nil {
		return a, err
	}
	for _, v := range vm.vcpus {
		mc, _ := v.ph.ReadCSR(spec.CSRMcounteren)
		sc, _ := v.ph.ReadCSR(spec.CSRScounteren)
		if mc != v.timeEnabled || sc != v.timeEnabled || mc&^2 != 0 {
			return a, fmt.Errorf("vmm: vCPU %d: physical mcounteren %#x scounteren %#x, want time only, and only when the guest may read it (%#x)", v.id, mc, sc, v.timeEnabled)
		}
		if t := vm.emu.Mtime(); vm.host.Mtime() != t {
			return a, fmt.Errorf("vmm: the host's mtime %d is not the guest's %d", vm.host.Mtime(), t)
		}
	}
	vm.flushAll()
	for _, v := range vm.vcpus {
		v.ctx = nil
		v.sync()
	}
	h := sha256.New()
	for _, r := range [][2]uint64{{spec.RAMBase, vm.lay.window}, {vm.lay.guard, spec.RAMBase + vm.lay.hostRAM}} {
		mem, err := vm.host.PhysMem(r[0], r[1]-r[0])
		if err != nil {
			return a, fmt.Errorf("vmm: %w", err)
		}
		h.Write(mem)
	}
	copy(a.Outside[:], h.Sum(nil))
	h.Reset()
	var buf [8]byte
	for _, ph := range vm.host.Harts {
		binary.LittleEndian.PutUint64(buf[:], uint64(ph.Mode()))
		h.Write(buf[:])
		for _, c := range []uint16{spec.CSRMedeleg, spec.CSRMideleg, spec.CSRMie,
			spec.CSRMtvec, spec.CSRStvec, spec.CSRPmpcfg0, spec.CSRPmpcfg0 + 2} {
			v, _ := ph.ReadCSR(c)
			binary.LittleEndian.PutUint64(buf[:], v)
			h.Write(buf[:])
		}
		for i := range spec.PMPEntries {
			_, addr := ph.PMP(i)
			binary.LittleEndian.PutUint64(buf[:], addr)
			h.Write(buf[:])
		}
	}
	copy(a.Harts[:], h.Sum(nil))
	return a, nil
}

// auditTable checks the table t at level (va: the address its first entry
// maps) and returns the number of leaves under it.
func (vm *VM) auditTable(t *table, level int, va uint64) (int, error) {
	if t.pa < vm.lay.pool || t.pa >= vm.lay.pool+vm.lay.poolN*pageSize {
		return 0, fmt.Errorf("table at host %#x is outside the pool", t.pa)
	}
	mem, err := vm.host.PhysMem(t.pa, pageSize)
	if err != nil {
		return 0, err
	}
	leaves := 0
	for i, e := range t.e {
		if got := binary.LittleEndian.Uint64(mem[8*i:]); got != e {
			return leaves, fmt.Errorf("host RAM at %#x holds %#x, the VMM wrote %#x", t.pa+uint64(8*i), got, e)
		}
		if e&pteV == 0 {
			if t.kids[i] != nil {
				return leaves, fmt.Errorf("a table under an invalid entry at %#x", t.pa+uint64(8*i))
			}
			continue
		}
		eva := va | uint64(i)<<(12+9*uint(level))
		if e&(pteR|pteW|pteX) == 0 {
			k := t.kids[i]
			if level == 0 || k == nil || e>>10<<12 != k.pa || e&0x3ff != pteV {
				return leaves, fmt.Errorf("bad pointer %#x for va %#x", e, eva)
			}
			n, err := vm.auditTable(k, level-1, eva)
			leaves += n
			if err != nil {
				return leaves, err
			}
			continue
		}
		leaves++
		hp := e >> 10 << 12
		switch {
		case level != 0:
			return leaves, fmt.Errorf("a superpage leaf %#x for va %#x", e, eva)
		case e&(pteU|pteA|pteD) != pteU|pteA|pteD:
			return leaves, fmt.Errorf("leaf %#x for va %#x lacks U, A or D", e, eva)
		case hp >= vm.lay.window && hp < vm.lay.window+vm.lay.guestRAM:
			gp := spec.RAMBase + (hp - vm.lay.window)
			if e&pteW != 0 && (vm.tracked[gp] > 0 || vm.htif != 0 && gp == vm.htif) {
				return leaves, fmt.Errorf("va %#x maps guest page %#x writable: a tracked page table or the HTIF mailbox", eva, gp)
			}
		case hp >= vm.lay.rom && hp < vm.lay.rom+romPages*pageSize:
			if e&pteW != 0 {
				return leaves, fmt.Errorf("va %#x maps the boot-ROM copy writable", eva)
			}
		default:
			return leaves, fmt.Errorf("va %#x maps host page %#x, outside the guest's window and the ROM copy", eva, hp)
		}
	}
	return leaves, nil
}

// auditDeps checks the page-table bookkeeping: every leaf of a paged
// context with dependencies is referenced from each of its PTEs and
// nothing else is, and each tracked page counts exactly the dependencies
// in it.
func (vm *VM) auditDeps() error {
	want := map[uint64]int{}
	n := 0
	for _, v := range vm.vcpus {
		for _, c := range v.ctxs {
			for va, p := range c.deps {
				if c.dead {
					return fmt.Errorf("vmm: a released context keeps dependencies")
				}
				for _, a := range p.a[:p.n] {
					found := false
					for _, r := range vm.refs[a] {
						found = found || r.c == c && r.va == va
					}
					if !found {
						return fmt.Errorf("vmm: leaf %#x depends on the PTE at %#x, which does not list it", va, a)
					}
					want[a&^(pageSize-1)]++
					n++
				}
			}
		}
	}
	m := 0
	for _, list := range vm.refs {
		m += len(list)
	}
	if m != n {
		return fmt.Errorf("vmm: %d PTE references for %d dependencies", m, n)
	}
	if len(want) != len(vm.tracked) {
		return fmt.Errorf("vmm: %d tracked pages, %d with dependencies", len(vm.tracked), len(want))
	}
	for p, k := range want {
		if vm.tracked[p] != k {
			return fmt.Errorf("vmm: page %#x counts %d dependencies, holds %d", p, vm.tracked[p], k)
		}
	}
	return nil
}
