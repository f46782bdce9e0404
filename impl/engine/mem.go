package engine

import (
	"encoding/binary"
	"math/bits"

	"github.com/vcheck-dev/vcheck/spec"
)

// tlbSlowFlag marks a store-TLB entry for a flagged page (code, HTIF or
// page table): the fast path misses on it, and the slow path reuses the
// translation but does the physical write itself. It is below the
// generation bits (tlbGenOne).
const tlbSlowFlag = 1 << 52

// tlbVPNMask selects the virtual page number of a TLB tag.
const tlbVPNMask = tlbSlowFlag - 1

func readRAM(ram []byte, off, size uint64) uint64 {
	switch size {
	case 1:
		return uint64(ram[off])
	case 2:
		return uint64(binary.LittleEndian.Uint16(ram[off:]))
	case 4:
		return uint64(binary.LittleEndian.Uint32(ram[off:]))
	}
	return binary.LittleEndian.Uint64(ram[off:])
}

func writeRAM(ram []byte, off, size, v uint64) {
	switch size {
	case 1:
		ram[off] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(ram[off:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(ram[off:], uint32(v))
	default:
		binary.LittleEndian.PutUint64(ram[off:], v)
	}
}

// Fault causes per access kind.
var (
	accessFault = [3]uint64{spec.CauseFetchAccess, spec.CauseLoadAccess, spec.CauseStoreAccess}
	pageFault   = [3]uint64{spec.CauseFetchPageFault, spec.CauseLoadPageFault, spec.CauseStorePageFault}
	pmpPerm     = [3]uint8{spec.PMPX, spec.PMPR, spec.PMPW}
)

func (m *Machine) inRAM(pa, size uint64) bool {
	return pa >= spec.RAMBase && pa-spec.RAMBase < m.cfg.RAM && pa-spec.RAMBase+size <= m.cfg.RAM
}

// translate maps va to a physical address for an access of the given kind
// in mode, walking Sv39 when it is on (Priv. spec 1.12 §4.3.2, §4.4). On
// failure it records the exception and returns ok=false. It leaves the
// RAM pages of the PTEs it read in h.walkPages, for fillTLB.
func (h *Hart) translate(va uint64, kind int, mode spec.Mode) (pa uint64, ok bool) {
	return h.walk(va, kind, mode, true)
}

// walk is translate; with update false it is a probe (hv.go): an access
// that would have to set A or D fails instead, and nothing is written.
func (h *Hart) walk(va uint64, kind int, mode spec.Mode, update bool) (pa uint64, ok bool) {
	h.walkN = 0
	if mode == spec.ModeM || h.satp>>60 != spec.SatpModeSv39 {
		return va, true
	}
	// Bits 63:39 must all equal bit 38.
	if uint64(int64(va<<25)>>25) != va {
		return 0, h.fail(pageFault[kind], va)
	}
	sum := h.mstatus&spec.MstatusSUM != 0
	mxr := h.mstatus&spec.MstatusMXR != 0
	a := (h.satp & spec.SatpPPNMask) << 12
	for level := 2; level >= 0; level-- {
		pteAddr := a + (va>>(12+9*uint(level))&0x1ff)*8
		// The walk's reads are S-mode loads for PMP (QEMU 7.2 does the same).
		if !h.pmpAllows(pteAddr, 8, accLoad, spec.ModeS) || !h.m.inRAM(pteAddr, 8) {
			return 0, h.fail(accessFault[kind], va)
		}
		pte := readRAM(h.m.ram, pteAddr-spec.RAMBase, 8)
		h.walkPages[h.walkN] = (pteAddr - spec.RAMBase) >> 12
		h.walkPTEs[h.walkN] = pteAddr
		h.walkN++
		ppn := pte >> 10
		switch {
		case pte>>54 != 0: // reserved, PBMT and N: none implemented
			return 0, h.fail(pageFault[kind], va)
		case pte&1 == 0, pte&6 == 4: // invalid, or W without R
			return 0, h.fail(pageFault[kind], va)
		case pte&0xa == 0: // R=X=0: pointer to the next level
			// D, A and U are reserved in a pointer (Priv. spec 1.12 §4.3.1),
			// and a reserved bit set is a page fault (§4.3.2 step 3), as in
			// QEMU 7.2's get_physical_address.
			if level == 0 || pte&0xd0 != 0 {
				return 0, h.fail(pageFault[kind], va)
			}
			a = ppn << 12
			continue
		}
		// A leaf.
		u := pte&0x10 != 0
		switch {
		case u && mode == spec.ModeS && (!sum || kind == accFetch),
			!u && mode == spec.ModeU:
			return 0, h.fail(pageFault[kind], va)
		case ppn&(1<<(9*uint(level))-1) != 0: // misaligned superpage
			return 0, h.fail(pageFault[kind], va)
		case kind == accFetch && pte&8 == 0,
			kind == accLoad && pte&2 == 0 && !(mxr && pte&8 != 0),
			kind == accStore && pte&4 == 0:
			return 0, h.fail(pageFault[kind], va)
		}
		// Hardware A/D update, as QEMU 7.2 does: A on every access, D on a store.
		nv := pte | 0x40
		if kind == accStore {
			nv |= 0x80
		}
		if nv != pte {
			if !update {
				return 0, h.fail(pageFault[kind], va)
			}
			// The A/D write is an S-mode store for PMP, like the walk's reads.
			if !h.pmpAllows(pteAddr, 8, accStore, spec.ModeS) {
				return 0, h.fail(accessFault[kind], va)
			}
			// Setting A or D never makes a cached translation stale (one
			// was cached only with A, and for stores D, already set, and
			// any other store to the PTE flushes): no page-table flush.
			off := pteAddr - spec.RAMBase
			h.m.markDirty(off, 8)
			writeRAM(h.m.ram, off, 8, nv)
			// Nor does it break an LR reservation (pageResv): the
			// reference model's walk updates A/D without one.
			if f := h.m.pageFlags[off>>12] &^ (pagePT | pageResv); f != 0 {
				h.m.written(off, 8, f)
			}
			if h.m.onWrite != nil {
				h.m.onWrite(off, 8, true)
			}
		}
		mask := uint64(1)<<(12+9*uint(level)) - 1
		return (ppn<<12)&^mask | va&mask, true
	}
	return 0, h.fail(pageFault[kind], va) // unreachable
}

// pmpRange returns entry i's address range [lo, hi) (Priv. spec 1.12 §3.7.1).
func (h *Hart) pmpRange(i int) (lo, hi uint64, on bool) {
	switch h.pmpcfg[i] & spec.PMPA {
	case spec.PMPTOR:
		if i > 0 {
			lo = h.pmpaddr[i-1] << 2
		}
		return lo, h.pmpaddr[i] << 2, true
	case spec.PMPNA4:
		lo = h.pmpaddr[i] << 2
		return lo, lo + 4, true
	case spec.PMPNAPOT:
		a := h.pmpaddr[i]
		t := uint(bits.TrailingZeros64(^a)) // trailing ones
		if t >= 54 {
			return 0, 1 << 56, true
		}
		lo = (a &^ (1<<t - 1)) << 2
		return lo, lo + 1<<(t+3), true
	}
	return 0, 0, false
}

// pmpDecide checks [pa, pa+size) against the PMP entries: allowed, and
// whether one rule (or the default) covers the whole range.
func (h *Hart) pmpDecide(pa, size uint64, kind int, mode spec.Mode) (allowed, uniform bool) {
	end := pa + size
	for i := 0; i < spec.PMPEntries; i++ {
		lo, hi, on := h.pmpRange(i)
		if !on {
			continue
		}
		if end <= lo || pa >= hi || lo >= hi {
			continue
		}
		if pa < lo || end > hi {
			return false, false // partly matched: the access fails
		}
		c := h.pmpcfg[i]
		if mode == spec.ModeM && c&spec.PMPL == 0 {
			return true, true
		}
		return c&pmpPerm[kind] != 0, true
	}
	// No entry matches: M-mode succeeds; S and U fail, since entries are
	// implemented (Priv. spec 1.12 §3.7.1), even when none is active.
	return mode == spec.ModeM, true
}

func (h *Hart) pmpAllows(pa, size uint64, kind int, mode spec.Mode) bool {
	ok, _ := h.pmpDecide(pa, size, kind, mode)
	return ok
}

// access translates and PMP-checks one access that stays within a page.
func (h *Hart) access(va, size uint64, kind int, mode spec.Mode) (uint64, bool) {
	pa, ok := h.translate(va, kind, mode)
	if !ok {
		return 0, false
	}
	if !h.pmpAllows(pa, size, kind, mode) {
		return 0, h.fail(accessFault[kind], va)
	}
	return pa, true
}

// fillTLB caches the page of va -> pa when it is RAM and PMP treats the
// whole page alike. The last translate must have been the one of va.
func (h *Hart) fillTLB(t *[tlbSize]tlbEntry, va, pa uint64, kind int, mode spec.Mode) {
	if h.m.emulator {
		return // it walks every access, as if it had no TLB
	}
	if h.trig.data && kind != accFetch {
		return // every load and store must reach slow's trigger check (trigger.go)
	}
	page := pa &^ 0xfff
	if !h.m.inRAM(page, 4096) {
		return
	}
	if ok, uniform := h.pmpDecide(page, 4096, kind, mode); (!ok || !uniform) && !mutantOn(h.m, mutTLBNonUniform) { // MUTANT HOOK (mutant.go)
		return
	}
	// The entry depends on the PTEs the walk read: flag their pages, so a
	// store to them flushes it. Before the tag below, so that a store
	// entry for a page that is itself one of them gets the slow flag.
	for _, p := range h.walkPages[:h.walkN] {
		if h.m.pageFlags[p]&pagePT == 0 {
			h.m.flagPT(p)
		}
	}
	tag := va>>12 | h.tlbGen
	if kind == accStore {
		h.m.markDirty(page-spec.RAMBase, 4096) // the fast path writes through the entry unseen
		if h.m.pageFlags[(page-spec.RAMBase)>>12] != 0 {
			tag |= tlbSlowFlag
		} else {
			h.m.directStores = true
		}
	}
	off := page - spec.RAMBase
	t[va>>12&(tlbSize-1)] = tlbEntry{tag: tag, host: h.ramHost + off - va&^0xfff}
}

// loadSlow is a load that missed the TLB: translation, PMP, MMIO,
// misaligned and page-crossing accesses.
func (h *Hart) loadSlow(va, size uint64) (uint64, bool) {
	mode := h.dataMode()
	if va&0xfff+size > 4096 { // crosses a page: both halves checked first, as QEMU does
		n1 := 4096 - va&0xfff
		pa1, ok := h.access(va, n1, accLoad, mode)
		if !ok {
			return 0, false
		}
		pa2, ok := h.access(va+n1, size-n1, accLoad, mode)
		if !ok {
			return 0, false
		}
		if !h.m.inRAM(pa1, n1) || !h.m.inRAM(pa2, size-n1) {
			// Outside RAM, QEMU 7.2's load_helper loads the two aligned
			// accesses of this size around it (the second starts at the
			// page boundary), and mtval names the one that faulted (Priv.
			// spec 1.12 §3.1.16).
			a1 := va &^ (size - 1)
			r1, ok := h.m.readPhys(pa1-(va-a1), size)
			if !ok {
				return 0, h.fail(spec.CauseLoadAccess, a1)
			}
			r2, ok := h.m.readPhys(pa2, size)
			if !ok {
				return 0, h.fail(spec.CauseLoadAccess, va+n1)
			}
			sh := (va - a1) * 8
			v := r1>>sh | r2<<(size*8-sh)
			if size < 8 {
				v &= 1<<(8*size) - 1
			}
			return v, true
		}
		var v uint64
		for i := uint64(0); i < size; i++ {
			pa := pa1 + i
			if i >= n1 {
				pa = pa2 + i - n1
			}
			b, _ := h.m.readPhys(pa, 1) // RAM: cannot fail
			v |= b << (8 * i)
		}
		return v, true
	}
	pa, ok := h.access(va, size, accLoad, mode)
	if !ok {
		return 0, false
	}
	if h.m.inRAM(pa, size) {
		h.fillTLB(h.loadTLB, va, pa, accLoad, mode)
		return readRAM(h.m.ram, pa-spec.RAMBase, size), true
	}
	v, failAt, ok := h.m.devLoad(pa, size)
	if !ok {
		return 0, h.fail(spec.CauseLoadAccess, va+failAt-pa)
	}
	return v, true
}

// amoRead is the read half of an AMO or SC: it needs store permission and
// reports store/AMO faults (Unprivileged spec §8.4).
func (h *Hart) amoRead(va, size uint64) (uint64, bool) {
	mode := h.dataMode()
	pa, ok := h.access(va, size, accStore, mode)
	if !ok {
		return 0, false
	}
	if !h.pmpAllows(pa, size, accLoad, mode) {
		return 0, h.fail(spec.CauseStoreAccess, va)
	}
	if !h.m.inRAM(pa, size) {
		// A device: the read half goes to it as an aligned load (AMOs are
		// naturally aligned), as QEMU 7.2 and the reference model do;
		// what the device refuses is a store/AMO access fault.
		v, _, ok := h.m.devLoad(pa, size)
		if !ok {
			return 0, h.fail(spec.CauseStoreAccess, va)
		}
		return v, true
	}
	return readRAM(h.m.ram, pa-spec.RAMBase, size), true
}

// storeSlow is a store that missed the fast path.
func (h *Hart) storeSlow(va, size, v uint64) bool {
	mode := h.dataMode()
	if va&0xfff+size > 4096 {
		n1 := 4096 - va&0xfff
		pa1, ok := h.access(va, n1, accStore, mode)
		if !ok {
			return false
		}
		pa2, ok := h.access(va+n1, size-n1, accStore, mode)
		if !ok {
			return false
		}
		for i := uint64(0); i < size; i++ {
			pa := pa1 + i
			if i >= n1 {
				pa = pa2 + i - n1
			}
			if !h.m.writePhys(pa, 1, v>>(8*i)) {
				// QEMU 7.2's store_helper_unaligned stores byte by byte
				// from the lowest address: mtval is the refused byte
				// (the portion that faulted, Priv. spec 1.12 §3.1.16).
				return h.fail(spec.CauseStoreAccess, va+i)
			}
		}
		return true
	}
	e := &h.storeTLB[va>>12&(tlbSize-1)]
	var pa uint64
	if e.tag == va>>12|h.tlbGen|tlbSlowFlag {
		pa = spec.RAMBase + e.ramOff(va, h.ramHost)
	} else {
		var ok bool
		if pa, ok = h.access(va, size, accStore, mode); !ok {
			return false
		}
		if h.m.inRAM(pa, size) {
			h.fillTLB(h.storeTLB, va, pa, accStore, mode)
		}
	}
	if h.m.inRAM(pa, size) {
		h.m.writePhysRAM(pa-spec.RAMBase, size, v)
		return true
	}
	if failAt, ok := h.m.devStore(pa, size, v); !ok {
		return h.fail(spec.CauseStoreAccess, va+failAt-pa)
	}
	return true
}

// writePhysRAM writes RAM at offset off and keeps the code cache, the
// TLBs and the HTIF mailbox coherent with it.
func (m *Machine) writePhysRAM(off, size, v uint64) {
	m.markDirty(off, size)
	writeRAM(m.ram, off, size, v)
	if f := m.pageFlags[off>>12]; f != 0 {
		m.written(off, size, f)
	}
	if m.onWrite != nil {
		m.onWrite(off, size, false)
	}
}

// deviceWriteRAM is the HTIF device's own 8-byte write of RAM at offset
// off (bus.go's htifRAM): coherent with the code cache and the TLBs like
// a guest store, but it does not run the HTIF protocol again.
func (m *Machine) deviceWriteRAM(off, v uint64) {
	m.markDirty(off, 8)
	writeRAM(m.ram, off, 8, v)
	if f := m.pageFlags[off>>12] &^ pageHTIF; f != 0 {
		m.written(off, 8, f)
	}
	if m.onWrite != nil {
		m.onWrite(off, 8, false)
	}
}

// written does what the page flags f ask after RAM [off, off+size), which
// stays within a page, was written.
func (m *Machine) written(off, size uint64, f uint8) {
	page := off >> 12
	if f&pagePT != 0 {
		m.ptWritten()
	}
	if f&pageCode != 0 {
		// Drop the decoded slots that cover the written bytes: a 32-bit
		// instruction may start 2 bytes before them.
		cp := m.codePages[page]
		po := off & 0xfff
		first := int64(po>>1) - 1
		if mutantOn(m, mutCodeSlotBefore) { // MUTANT HOOK (mutant.go)
			first++
		}
		last := int64((po + size - 1) >> 1)
		for s := max(first, 0); s <= last && s < 2048; s++ {
			cp.insts[s] = inst{}
		}
		if !mutantOn(m, mutCodeKeepBlocks) { // MUTANT HOOK (mutant.go)
			cp.dropBlocks(po, po+size)
		}
	}
	if f&pageHTIF != 0 {
		m.htifWrite(spec.RAMBase+off, size)
	}
	if f&pageResv != 0 {
		m.storeObserved(spec.RAMBase+off, size)
	}
}

// watchReservationAt watches the reservation an LR at virtual address a
// just took: its load translation, which the LR made already, so no A bit
// changes.
func (h *Hart) watchReservationAt(a uint64) {
	h.resPAValid = false
	if len(h.m.Harts) == 1 {
		return
	}
	pa, ok := h.translate(a, accLoad, h.dataMode())
	if !ok {
		h.excValid = false
		return
	}
	h.watchReservation(pa)
}

// watchReservation makes every store to the doubleword at pa, where h's
// LR reservation now lies, take the slow path (written), so that another
// hart's store breaks it (storeObserved). One hart needs no watching.
func (h *Hart) watchReservation(pa uint64) {
	m := h.m
	h.resPA, h.resPAValid = pa, false
	if len(m.Harts) == 1 || !m.inRAM(pa, 1) {
		return
	}
	h.resPAValid = true
	for _, a := range [2]uint64{pa, pa + 7} {
		if !m.inRAM(a, 1) {
			continue
		}
		p := (a - spec.RAMBase) >> 12
		if m.pageFlags[p]&pageResv == 0 {
			m.pageFlags[p] |= pageResv
			m.dropDirectStores(p)
		}
	}
}

// storeObserved breaks the LR reservations of the harts other than the
// one running (m.storer; nil: every hart) that a store to [pa, pa+size)
// touches: an SC fails after another hart's store to its reservation set
// (Unpriv. §8.2), here the 8 bytes from the LR's physical address, the
// reference model's rule (docs/retire.md). A page no reservation lies in
// any more loses its flag.
func (m *Machine) storeObserved(pa, size uint64) {
	held := false
	page := (pa - spec.RAMBase) >> 12
	for _, o := range m.Harts {
		if !o.resValid || !o.resPAValid {
			continue
		}
		if o != m.storer && pa < o.resPA+8 && o.resPA < pa+size {
			o.resValid = false
			continue
		}
		if (o.resPA-spec.RAMBase)>>12 == page || (o.resPA+7-spec.RAMBase)>>12 == page {
			held = true
		}
	}
	if !held {
		m.pageFlags[page] &^= pageResv
	}
}

// flagPT flags RAM page p as a page-table page, and drops every store-TLB
// entry (of any hart) that maps it directly: the fast path would write a
// PTE through it unnoticed. Entries filled from now on carry tlbSlowFlag.
func (m *Machine) flagPT(p uint64) {
	m.pageFlags[p] |= pagePT
	m.ptPages = append(m.ptPages, p)
	m.dropDirectStores(p)
}

// dropDirectStores drops every store-TLB entry (of any hart) that maps
// RAM page p directly, after p got a flag: its stores must take the slow
// path from now on.
func (m *Machine) dropDirectStores(p uint64) {
	if !m.directStores {
		return // the usual case right after ptWritten: nothing to drop
	}
	off := p << 12
	for _, o := range m.Harts {
		for i := range o.tlb {
			st := &o.tlb[i][accStore]
			for j := range st {
				if st[j].tag&tlbSlowFlag == 0 && st[j].ramOff(st[j].tag&tlbVPNMask<<12, o.ramHost) == off {
					st[j].tag = 0 // never matches: generations are not 0
				}
			}
		}
	}
}

// ptWritten follows a write to a page-table page: any translation a hart
// cached may be stale now, so every hart's TLB is flushed, as if there
// were no TLB (the reference model walks on every access; the spec lets
// a TLB keep the old translation until SFENCE.VMA, but a differential
// check cannot tell that from a bug). The running hart's flushTLB sets
// exitLoop, so its very next fetch translates anew. With every TLB empty
// no cached translation depends on a page table any more: the PT flags
// are cleared, and the next walks flag the pages that still are page
// tables, so a page that stopped being one stops costing.
func (m *Machine) ptWritten() {
	for _, o := range m.Harts {
		o.flushTLB()
	}
	m.directStores = false
	for _, p := range m.ptPages {
		m.pageFlags[p] &^= pagePT
	}
	m.ptPages = m.ptPages[:0]
}

// fetchSlow finds the instruction at pc when the loop's current code page
// does not hold it. It returns a code page slot (and makes that page
// current), or an uncached decoding in h.tmp, or nil after a fetch fault.
func (h *Hart) fetchSlow(pc uint64, cp **codePage, base *uint64) *inst {
	m := h.m
	if m.emulator { // no code cache: fetch and decode anew, every time
		*cp, *base = scratchPage, pc&^0xfff
		if h.fetched.valid && h.fetched.pc == pc && h.fetched.mode == h.mode {
			h.tmp = m.decodeWord(h.fetched.word) // already fetched (hv.go, StepFetched)
			return &h.tmp
		}
		return h.fetchOne(pc)
	}
	e := &h.fetchTLB[pc>>12&(tlbSize-1)]
	var off uint64
	if e.tag == pc>>12|h.tlbGen {
		off = e.ramOff(pc&^0xfff, h.ramHost)
	} else {
		pa, ok := h.translate(pc, accFetch, h.mode)
		if !ok {
			return nil
		}
		page := pa &^ 0xfff
		ok, uniform := h.pmpDecide(page, 4096, accFetch, h.mode)
		if !m.inRAM(page, 4096) || !ok || !uniform {
			*cp, *base = scratchPage, pc&^0xfff
			return h.fetchOne(pc)
		}
		off = page - spec.RAMBase
		if m.codePages[off>>12] == nil {
			m.codePages[off>>12] = m.newCodePage(off)
			m.pageFlags[off>>12] |= pageCode
			// No store TLB may map a code page directly any more.
			m.codeEpoch++
			for _, o := range m.Harts {
				o.codeEpoch = m.codeEpoch
				o.flushTLB()
			}
		}
		h.fillTLB(h.fetchTLB, pc, pa, accFetch, h.mode)
	}
	*cp = m.codePages[off>>12]
	*base = pc &^ 0xfff
	return &(*cp).insts[pc&0xfff>>1]
}

// fetchOne fetches and decodes the instruction at pc without the code
// cache (boot ROM, page-crossing, PMP regions smaller than a page).
func (h *Hart) fetchOne(pc uint64) *inst {
	lo, ok := h.fetch16(pc)
	if !ok {
		return nil
	}
	word := uint32(lo)
	if word&3 == 3 {
		hi, ok := h.fetch16(pc + 2)
		if !ok {
			return nil
		}
		word |= uint32(hi) << 16
	}
	h.tmp = h.m.decodeWord(word)
	return &h.tmp
}

func (h *Hart) fetch16(va uint64) (uint64, bool) {
	pa, ok := h.access(va, 2, accFetch, h.mode)
	if !ok {
		return 0, false
	}
	switch {
	case h.m.inRAM(pa, 2):
		return readRAM(h.m.ram, pa-spec.RAMBase, 2), true
	case within(pa, 2, spec.BootROMBase, spec.BootROMSize):
		return readRAM(h.m.rom, pa-spec.BootROMBase, 2), true
	}
	return 0, h.fail(spec.CauseFetchAccess, va)
}
