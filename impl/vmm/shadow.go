package vmm

import (
	mbits "math/bits"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
)

// Shadow page tables (docs/vmm.md, "Shadow contexts"). A context is one
// Sv39 table tree in the pool that the physical hart walks while the
// vCPU is in one virtual translation context. Its leaves map guest-virtual
// pages to host pages; they are filled on demand after an exit, and only
// under the shadow rule: every access the leaf allows must, on the bare
// machine, succeed with no side effect beyond the access itself.

// Sv39 PTE bits.
const (
	pteV = 1 << 0
	pteR = 1 << 1
	pteW = 1 << 2
	pteX = 1 << 3
	pteU = 1 << 4
	pteA = 1 << 6
	pteD = 1 << 7
)

// table mirrors one pool page: e[i] is what host RAM holds there.
type table struct {
	pa   uint64
	e    [512]uint64
	kids [512]*table // the next level, for pointer entries
	// used has bit i set when e[i] was made non-zero (and so kids[i] may
	// be set) since the table was last released: release visits those
	// entries only. A guest that switches satp or fences often releases
	// contexts all the time, and scanning 512 entries per table was a
	// third of such a guest's run (FuzzGarbage).
	used [8]uint64
}

// pool hands out zeroed host pages for tables.
type pool struct {
	host    *engine.Machine
	base, n uint64
	free    []uint64
	spare   []*table // zeroed mirrors of released tables, for alloc to reuse
}

func newPool(host *engine.Machine, base, n uint64) *pool {
	p := &pool{host: host, base: base, n: n}
	p.reset()
	return p
}

// reset makes every pool page free again, in newPool's order (Reset: the
// host's reset has zeroed them).
func (p *pool) reset() {
	p.free = p.free[:0]
	for i := p.n; i > 0; i-- {
		p.free = append(p.free, p.base+(i-1)*pageSize)
	}
}

func (p *pool) alloc() *table {
	if len(p.free) == 0 {
		return nil
	}
	pa := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	if n := len(p.spare); n > 0 {
		t := p.spare[n-1]
		p.spare = p.spare[:n-1]
		t.pa = pa
		return t
	}
	return &table{pa: pa}
}

// recycle keeps the mirrors of t and every table below it for alloc,
// zeroed, without writing host RAM (Reset: the host's own reset zeroes
// the pool pages). Their pages are not freed: pool.reset frees them all.
func (p *pool) recycle(t *table) {
	for _, k := range t.kids {
		if k != nil {
			p.recycle(k)
		}
	}
	*t = table{}
	p.spare = append(p.spare, t)
}

// set writes entry i of t, in the mirror and in host RAM (coherently:
// the engine flushes its TLBs when a table it walked changes).
func (p *pool) set(t *table, i int, v uint64) {
	if t.e[i] == v {
		return
	}
	t.e[i] = v
	if v != 0 {
		t.used[i/64] |= 1 << (i % 64)
	}
	if err := p.host.WriteRAM64(t.pa+uint64(i)*8, v); err != nil {
		panic("vmm: shadow table outside host RAM: " + err.Error()) // a VMM bug, never the guest's doing
	}
}

// release zeroes t and every table below it and returns them to the pool
// (a released context is dead: nothing walks its tables any more).
func (p *pool) release(t *table) {
	for w, bits := range t.used {
		for bits != 0 {
			i := w*64 + mbits.TrailingZeros64(bits)
			bits &= bits - 1
			if k := t.kids[i]; k != nil {
				p.release(k)
				t.kids[i] = nil
			}
			p.set(t, i, 0)
		}
	}
	t.used = [8]uint64{}
	p.free = append(p.free, t.pa)
	p.spare = append(p.spare, t) // all zero now: alloc reuses the mirror
}

// ctxKey names a translation context of a vCPU: what decides how its
// fetches and data accesses translate and what the guest PMP lets them do.
// A part that does not translate keeps only its PMP class (M, or S for S
// and U, which PMP treats alike).
type ctxKey struct {
	fetch, data spec.Mode
	satp        uint64 // 0 when neither part translates
	sum, mxr    bool   // only when data translates
}

// context is one shadow table tree.
type context struct {
	key   ctxKey
	root  *table
	paged bool // depends on guest page tables (satp != 0 in the key)
	dead  bool // released: no hart may walk it any more
	// wmap lists, per guest-physical page, the guest-virtual pages mapped
	// writable onto it, so that a page that becomes a page table can be
	// write-protected.
	wmap map[uint64][]uint64
	// deps holds, per guest-virtual page with a leaf, the guest-physical
	// addresses of the PTEs its translation read (paged contexts only).
	deps map[uint64]ptes
}

// ptes is the set of PTE addresses one leaf depends on: a walk reads at
// most three, and the kinds of one leaf share their walk (or, under MPRV,
// fetches do not walk).
type ptes struct {
	a [3]uint64
	n int
}

func (p *ptes) add(addrs []uint64) {
	for _, a := range addrs {
		dup := false
		for _, b := range p.a[:p.n] {
			dup = dup || a == b
		}
		if !dup && p.n < len(p.a) {
			p.a[p.n] = a
			p.n++
		}
	}
}

// leafRef names one shadow leaf: the context and the guest-virtual page.
type leafRef struct {
	c  *context
	va uint64
}

func satpRoot(t *table) uint64 { return spec.SatpModeSv39<<60 | t.pa>>12 }

// leaf returns the level-0 table and index for va, allocating the upper
// levels; nil when the pool is exhausted.
func (c *context) leaf(p *pool, va uint64) (*table, int) {
	t := c.root
	for level := 2; level > 0; level-- {
		i := int(va >> (12 + 9*uint(level)) & 0x1ff)
		k := t.kids[i]
		if k == nil {
			if k = p.alloc(); k == nil {
				return nil, 0
			}
			t.kids[i] = k
			p.set(t, i, k.pa>>12<<10|pteV)
		}
		t = k
	}
	return t, int(va >> 12 & 0x1ff)
}

// find returns the level-0 table and index for va, or nil when there is
// no level-0 table for it.
func (c *context) find(va uint64) (*table, int) {
	t := c.root
	for level := 2; level > 0; level-- {
		if t = t.kids[va>>(12+9*uint(level))&0x1ff]; t == nil {
			return nil, 0
		}
	}
	return t, int(va >> 12 & 0x1ff)
}

// canonical reports whether va is a valid Sv39 address (bits 63:39 equal
// to bit 38): the physical walker faults on any other, so such a page can
// never be mapped and every access to it exits.
func canonical(va uint64) bool { return uint64(int64(va<<25)>>25) == va }
