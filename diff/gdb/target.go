package gdb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Target is a diff.Target over a gdbstub: each Step single-steps one hart
// of the stub and builds the retire record from what the stub shows.
//
//   - pc, the integer registers and the instruction come from 'g' and 'm';
//     the record's Rd is the instruction's destination (from the spec
//     table) with its new value, or any other register that changed.
//   - The privilege mode is the stub's "priv" register (QEMU's
//     org.gnu.gdb.riscv.virtual feature).
//   - A trap is recognized when the pc lands on a trap vector (mtvec,
//     stvec) and mepc/sepc names the instruction; mcause/scause and
//     mtval/stval give the rest.
//   - A Zicsr instruction's CSR is read back after the step.
//   - A store's data is read back from memory when it went to RAM, and
//     a load into x0 reads memory; device registers are never read (reads
//     have side effects there), so for those the value is what the
//     instruction's registers say (stores) or not observed (loads).
//
// What the stub cannot show is reported by Coverage, per field, and the
// fields of the last record not observed by Unobserved; nothing is
// silently filled in.
type Target struct {
	c      *Client
	cfg    spec.Config
	mm     memoryMap
	toHost uint64
	harts  []*hart
	next   int
	exit   spec.Exit
	steps  uint64

	icache map[uint64]uint32 // instruction words by physical address
	tlb    map[tlbKey]uint64 // physical page by (satp, mode, virtual page)
	ptPage map[uint64]bool   // physical pages a walk read a PTE from

	lastUnobserved []string
	queued         *spec.Retire // a second step QEMU took in one single step (below)
	cov            Coverage
	regNum         map[uint16]Register // the stub's CSRs, by spec address
	priv           *Register
	lock           *pmpLock // L bits a pmpcfg write's step held back (pmplock.go)
}

// Coverage says what a target could not observe: fields never seen
// (Ignored), and per field the records where it was not observed or was
// derived from registers instead of observed.
type Coverage struct {
	Ignored    []string          // record fields the stub can never show
	Unobserved map[string]uint64 // field -> records it was not observed in
	Derived    map[string]uint64 // field -> records it was computed, not observed
	Notes      []string          // one line per limitation, for the report
}

// Summary renders the coverage for a report, one line per item, or ""
// when everything was observed.
func (c *Coverage) Summary() string {
	var b strings.Builder
	if len(c.Ignored) > 0 {
		fmt.Fprintf(&b, "not observable, ignored: %s\n", strings.Join(c.Ignored, ", "))
	}
	for _, m := range []struct {
		what string
		n    map[string]uint64
	}{{"not observed (compared as equal)", c.Unobserved}, {"derived from registers, not observed", c.Derived}} {
		var keys []string
		for k := range m.n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s: %s in %d records\n", m.what, k, m.n[k])
		}
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

type tlbKey struct {
	satp uint64
	mode spec.Mode
	page uint64
}

// hart is the client's view of one hart: the state after its last step.
type hart struct {
	id      int
	tid     string
	x       [32]uint64
	pc      uint64
	mode    spec.Mode
	fresh   bool
	mstatus uint64
	mtvec   uint64
	stvec   uint64
	satp    uint64
	haveCSR bool
}

// Options configure a Target.
type Options struct {
	Config spec.Config
	// ToHost is the program's HTIF tohost address (0: none); an odd
	// value written there by device 0 ends the run, as on our models.
	ToHost uint64
}

// NewTarget builds a target on a connected client. The stub must be
// stopped at the reset state of the program to compare, with one
// thread per hart.
func NewTarget(c *Client, opts Options) (*Target, error) {
	cfg := opts.Config
	if cfg.Harts == 0 {
		cfg.Harts = 1
	}
	t := &Target{c: c, cfg: cfg, mm: newMemoryMap(cfg), toHost: opts.ToHost,
		icache: map[uint64]uint32{}, tlb: map[tlbKey]uint64{}, ptPage: map[uint64]bool{},
		regNum: map[uint16]Register{},
		cov:    Coverage{Unobserved: map[string]uint64{}, Derived: map[string]uint64{}}}
	threads := c.Threads()
	if len(threads) == 0 {
		threads = []string{""}
	}
	if len(threads) < cfg.Harts {
		return nil, fmt.Errorf("gdb %s: the stub has %d thread(s), the config %d hart(s)", c.Addr, len(threads), cfg.Harts)
	}
	for i := 0; i < cfg.Harts; i++ {
		tid := threads[i]
		if len(threads) == 1 {
			tid = ""
		}
		t.harts = append(t.harts, &hart{id: i, tid: tid, mode: spec.ModeM})
	}
	for _, row := range spec.CSRs {
		if r, ok := c.Regs.Lookup(row.Name); ok {
			t.regNum[row.Addr] = r
		}
	}
	if r, ok := c.Regs.Lookup("priv"); ok {
		t.priv = &r
	} else {
		t.cov.Ignored = append(t.cov.Ignored, "Mode", "NextMode", "Trap.Target")
		t.cov.Notes = append(t.cov.Notes, "the stub has no priv register: the privilege mode is not observable")
	}
	for _, need := range []uint16{spec.CSRMstatus, spec.CSRMtvec, spec.CSRMepc, spec.CSRMcause, spec.CSRMtval} {
		if _, ok := t.regNum[need]; !ok {
			t.cov.Ignored = append(t.cov.Ignored, "Trap.Cause", "Trap.Tval", "Trap.Interrupt", "CSR")
			t.cov.Notes = append(t.cov.Notes, "the stub shows no trap CSRs: traps are recognized by the pc alone")
			break
		}
	}
	if c.QEMU() {
		// QEMU single-steps with interrupts and timers off unless told
		// (gdbstub sstep flags); a comparison needs them on.
		if r, err := c.Request("Qqemu.sstep=1"); err != nil || r != "OK" {
			return nil, fmt.Errorf("gdb %s: Qqemu.sstep=1: %q %v", c.Addr, r, err)
		}
	}
	for _, h := range t.harts {
		if err := t.refresh(h); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Client returns the connection, e.g. to close it.
func (t *Target) Client() *Client { return t.c }

// Coverage reports what the target could not observe so far.
func (t *Target) Coverage() Coverage { return t.cov }

// Ignored lists the record fields the stub can never show; a comparison
// passes them to diff.Options.Ignore.
func (t *Target) Ignored() []string { return append([]string(nil), t.cov.Ignored...) }

// Unobserved lists the fields of the record Step last returned that the
// stub could not show (e.g. what a load into x0 read from a device).
func (t *Target) Unobserved() []string { return t.lastUnobserved }

// Exit implements diff.Target.
func (t *Target) Exit() spec.Exit { return t.exit }

// Step implements diff.Target. A stub that fails (hangs up, times out,
// answers garbage) ends the run with an error wrapping
// diff.ErrTargetFailed.
func (t *Target) Step() spec.Retire {
	if q := t.queued; q != nil {
		t.queued = nil
		t.lastUnobserved = nil
		t.steps++
		return *q
	}
	h := t.harts[t.next]
	t.next = (t.next + 1) % len(t.harts)
	r, err := t.step(h)
	if err != nil {
		panic(fmt.Errorf("%w: %v", diff.ErrTargetFailed, err))
	}
	t.steps++
	return r
}

// readCSR reads a CSR by spec address from the stub.
func (t *Target) readCSR(addr uint16) (uint64, bool, error) {
	r, ok := t.regNum[addr]
	if !ok {
		return 0, false, nil
	}
	v, err := t.c.ReadRegister(r.Num)
	if err != nil {
		if t.c.closed != nil {
			return 0, false, err
		}
		return 0, false, nil // this CSR is not readable now
	}
	return v, true, nil
}

func (t *Target) mustCSR(addr uint16) (uint64, error) {
	v, _, err := t.readCSR(addr)
	return v, err
}

// refresh reads a hart's registers, mode and the CSRs the client tracks.
func (t *Target) refresh(h *hart) error {
	if err := t.c.selectThread(h.tid); err != nil {
		return err
	}
	if err := t.readGPRs(h); err != nil {
		return err
	}
	if err := t.readMode(h); err != nil {
		return err
	}
	var err error
	if h.mstatus, err = t.mustCSR(spec.CSRMstatus); err != nil {
		return err
	}
	if h.mtvec, err = t.mustCSR(spec.CSRMtvec); err != nil {
		return err
	}
	if h.stvec, err = t.mustCSR(spec.CSRStvec); err != nil {
		return err
	}
	if h.satp, err = t.mustCSR(spec.CSRSatp); err != nil {
		return err
	}
	_, h.haveCSR = t.regNum[spec.CSRMtvec]
	return nil
}

func (t *Target) readGPRs(h *hart) error {
	regs, err := t.c.ReadGeneral()
	if err != nil {
		return err
	}
	if len(regs) < 33 {
		return fmt.Errorf("gdb %s: the 'g' packet holds %d registers, not x0-x31 and pc", t.c.Addr, len(regs))
	}
	copy(h.x[:], regs[:32])
	h.x[0] = 0
	pc, _ := t.c.Regs.Lookup("pc")
	if pc.Num < len(regs) {
		h.pc = regs[pc.Num]
	} else if h.pc, err = t.c.ReadRegister(pc.Num); err != nil {
		return err
	}
	h.fresh = true
	return nil
}

func (t *Target) readMode(h *hart) error {
	if t.priv == nil {
		return nil
	}
	v, err := t.c.ReadRegister(t.priv.Num)
	if err != nil {
		return err
	}
	h.mode = spec.Mode(v & 3) // QEMU sets bit 2 for virtualization, absent here
	return nil
}

// vector reports whether pc is where a trap into mode's handler lands:
// the tvec base, or in vectored mode a base+4*cause interrupt entry.
func vector(tvec, pc uint64) bool {
	base := tvec &^ 3
	if pc == base {
		return true
	}
	return tvec&3 == 1 && pc > base && pc < base+4*64 && (pc-base)%4 == 0
}

// physical translates a virtual address for mode; ok is false when it
// cannot be known (no physical access to the stub's memory) or does not
// translate.
func (t *Target) physical(h *hart, va uint64, mode spec.Mode) (uint64, bool) {
	if bare(mode, h.satp) {
		return va, true
	}
	key := tlbKey{h.satp, mode, va >> 12}
	if p, ok := t.tlb[key]; ok {
		return p<<12 | va&0xfff, true
	}
	if !t.c.Physical() {
		return 0, false
	}
	if err := t.c.SetPhysical(true); err != nil {
		return 0, false
	}
	defer t.c.SetPhysical(false)
	pa, ptes, ok := walk(va, h.satp, func(pa uint64) (uint64, bool) {
		if !t.mm.ram(pa, 8) {
			return 0, false
		}
		b, err := t.c.ReadMemory(pa, 8)
		if err != nil {
			return 0, false
		}
		return le64(b), true
	})
	for _, p := range ptes {
		t.ptPage[p>>12] = true
	}
	if !ok {
		return 0, false
	}
	t.tlb[key] = pa >> 12
	return pa, true
}

// stored notes a store to [va, va+n) in mode: cached instructions and
// translations it may have changed are dropped.
func (t *Target) stored(h *hart, va, n uint64, mode spec.Mode) {
	pa, ok := t.physical(h, va, mode)
	if !ok {
		clear(t.icache)
		clear(t.tlb)
		return
	}
	for a := pa &^ 3; a < pa+n; a += 2 {
		delete(t.icache, a)
		delete(t.icache, a-2)
	}
	if t.ptPage[pa>>12] || t.ptPage[(pa+n-1)>>12] {
		clear(t.tlb)
	}
}

// fetch reads the instruction at the hart's pc, from RAM or ROM only.
func (t *Target) fetch(h *hart) (uint32, bool, error) {
	pa, ok := t.physical(h, h.pc, h.mode)
	known := ok
	if !ok && !bare(h.mode, h.satp) {
		// The stub cannot tell us where the pc maps: read through its
		// translation, uncached (a code page mapped onto a device would
		// be read with side effects; no program we know does that).
		pa, ok = h.pc, true
	}
	if !ok || known && !t.mm.readable(pa, 2) {
		return 0, false, nil
	}
	if w, ok := t.icache[pa]; ok && known {
		return w, true, nil
	}
	n := 4
	if known && !t.mm.readable(pa, 4) {
		n = 2
	}
	b, err := t.c.ReadMemory(h.pc, n)
	if err != nil {
		if t.c.closed != nil {
			return 0, false, err
		}
		return 0, false, nil
	}
	w := uint32(le64(b))
	if w&3 != 3 {
		w &= 0xffff
	} else if n == 2 {
		return 0, false, nil
	}
	if known {
		t.icache[pa] = w
	}
	return w, true, nil
}

// readData reads n bytes of data memory at va when it is RAM (or also
// the boot ROM, with rom: a store there is dropped, so reading it back
// does not show what the store wrote).
func (t *Target) readData(h *hart, va, n uint64, rom bool) (uint64, bool, error) {
	mode := dataMode(h.mode, h.mstatus)
	pa, ok := t.physical(h, va, mode)
	if !ok || !(t.mm.ram(pa, n) || rom && t.mm.readable(pa, n)) || (pa>>12 != (pa+n-1)>>12 && !bare(mode, h.satp)) {
		return 0, false, nil
	}
	b, err := t.c.ReadMemory(va, int(n))
	if err != nil {
		if t.c.closed != nil {
			return 0, false, err
		}
		return 0, false, nil
	}
	return le64(b), true, nil
}

func (t *Target) unobserved(field string) {
	t.lastUnobserved = append(t.lastUnobserved, field)
	t.cov.Unobserved[field]++
}

func mask(size uint64) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*size) - 1
}

// QEMU reports whether the stub is QEMU's (its departures apply).
func (t *Target) QEMU() bool { return t.c.QEMU() }
