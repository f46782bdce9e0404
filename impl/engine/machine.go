package engine

import (
	"fmt"
	"io"
	"sync"

	"github.com/vcheck-dev/vcheck/impl/devices"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Machine is the rv64pg "hardware": harts over flat RAM, the boot ROM and
// the virt devices. It is not safe for concurrent use except through
// RunParallel, which serializes the harts under one lock.
type Machine struct {
	cfg   spec.Config
	Harts []*Hart

	ram []byte // RAMBase .. RAMBase+cfg.RAM
	rom []byte // BootROMBase .. BootROMBase+BootROMSize

	// Per RAM page: pageCode when a code page holds its decoded
	// instructions, pageHTIF when the HTIF mailbox lies in it, pagePT when
	// a cached translation was walked through a PTE in it. A store to a
	// flagged page takes the slow path (invalidation, HTIF, TLB flush), and
	// no store-TLB entry maps a flagged page directly.
	pageFlags []uint8
	// ptPages lists the pages flagged pagePT, so the flags can be cleared
	// when every TLB is flushed. directStores: a store-TLB entry that maps
	// a page directly may have been filled since every hart's TLB was last
	// flushed (else flagPT has no entry to drop).
	ptPages      []uint64
	directStores bool
	codePages    []*codePage
	// dirty has a bit per RAM page that may hold a nonzero byte: every
	// way a byte of RAM is written (loading, a store, a store-TLB fill,
	// the walk's A/D update, the HTIF device) sets it first. Reset zeroes
	// only these pages (reset.go).
	dirty []uint64
	// spare holds code pages Reset took out of the cache, cleared, for
	// the next program to reuse.
	spare []*codePage
	// codeEpoch changes whenever a code page is dropped or created; a hart
	// entering its loop with a different epoch refetches and flushes.
	codeEpoch uint64

	dev devices.Set // CLINT, PLIC, UART, finisher, HTIF (bus.go routes to them)

	next   int   // the hart the next Step runs (round-robin)
	storer *Hart // the hart running now: its own stores keep its reservation
	exit   spec.Exit
	halted bool

	mu sync.Mutex // held by a hart goroutine while it runs (RunParallel)

	jitOn  bool      // compile hot blocks (jit.go)
	jitMem *jitArena // their code

	// emulator: a VMM's virtual platform (hv.go, NewEmulator): no code
	// cache, no TLB fills, RAM borrowed. onWrite, when set, hears of every
	// RAM write that does not come from the fast path (ad: the walk's own
	// A/D update).
	emulator bool
	onWrite  func(off, size uint64, ad bool)
	words    *[256]wordEntry // decodeWord's cache
}

const (
	pageCode = 1 << iota
	pageHTIF
	pagePT
	pageResv // an LR reservation of some hart (several harts only) lies in it
)

// codePage holds the predecoded instructions of one 4 KiB RAM page, one
// slot per halfword; slots decode lazily on first execution. blocks[s] is the block that starts at slot s,
// built from the slots on first execution; live lists every block of the
// page, so a store into the page can drop the ones it overlaps.
type codePage struct {
	ramOff  uint64 // the page's byte offset in RAM
	scratch bool   // a hart's scratch page: a missing block means fetch anew
	insts   [2048]inst
	blocks  [2048]*block
	live    []*block
}

// block is a straight-line run of predecoded instructions in one page,
// copied from the page's slots with their offsets: it ends after a control
// transfer or an instruction fast hands to a helper, before a
// page-crossing instruction, at the page end, or at maxBlock instructions.
type block struct {
	insts      []inst
	start, end uint16 // the page bytes [start, end) it was decoded from
	jit        jitState
}

// maxBlock bounds a block's length, so a long run of straight-line code
// costs one block rebuild per maxBlock instructions when a store drops it.
const maxBlock = 64

func newCodePage(ramOff uint64) *codePage { return &codePage{ramOff: ramOff} }

// dropBlocks forgets every block decoded from a byte in [lo, hi) of the
// page (a store wrote them).
func (cp *codePage) dropBlocks(lo, hi uint64) {
	live := cp.live[:0]
	for _, b := range cp.live {
		if uint64(b.start) < hi && lo < uint64(b.end) {
			if cp.blocks[b.start>>1] == b {
				cp.blocks[b.start>>1] = nil
			}
			continue
		}
		live = append(live, b)
	}
	clear(cp.live[len(live):])
	cp.live = live
}

// scratchPage is what fetchSlow returns as the page of an uncached
// instruction (it is never executed from; see Hart.useScratch).
var scratchPage = newScratchPage()

// newScratchPage returns an empty scratch page: fast finds no block but
// the one useScratch puts there.
func newScratchPage() *codePage { return &codePage{scratch: true} }

// New builds a machine at reset from cfg and a boot image.
func New(cfg spec.Config, img *boot.Image) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newMachine(cfg, img, make([]byte, cfg.RAM))
}

// newMachine builds a machine over ram (len cfg.RAM), which it loads.
func newMachine(cfg spec.Config, img *boot.Image, ram []byte) (*Machine, error) {
	m := &Machine{
		cfg:       cfg,
		ram:       ram,
		rom:       make([]byte, spec.BootROMSize),
		pageFlags: make([]uint8, cfg.RAM>>12),
		codePages: make([]*codePage, cfg.RAM>>12),
		jitOn:     jitSupported,
	}
	if err := checkImage(cfg, img); err != nil {
		return nil, err
	}
	m.dirty = make([]uint64, (len(m.pageFlags)+63)/64)
	for i := 0; i < cfg.Harts; i++ {
		m.Harts = append(m.Harts, &Hart{m: m, id: i})
	}
	m.load(img)
	return m, nil
}

// checkImage reports why img cannot be loaded into a machine of cfg:
// a segment outside RAM and the boot ROM, or an HTIF mailbox outside RAM.
func checkImage(cfg spec.Config, img *boot.Image) error {
	if img == nil {
		return fmt.Errorf("engine: no boot image")
	}
	for _, s := range img.Segments {
		if uint64(len(s.Data)) > s.MemSize && s.MemSize != 0 {
			return fmt.Errorf("engine: segment at %#x: %d bytes of data exceed its size %d", s.Addr, len(s.Data), s.MemSize)
		}
		size := max(s.MemSize, uint64(len(s.Data)))
		if !within(s.Addr, size, spec.RAMBase, cfg.RAM) && !within(s.Addr, size, spec.BootROMBase, spec.BootROMSize) {
			return fmt.Errorf("engine: segment %#x..%#x lies outside RAM (%#x..%#x) and the boot ROM",
				s.Addr, s.Addr+size, uint64(spec.RAMBase), spec.RAMBase+cfg.RAM)
		}
	}
	for _, a := range []uint64{img.ToHost, img.FromHost} {
		if a != 0 && (a < spec.RAMBase || a+8 > spec.RAMBase+cfg.RAM) {
			return fmt.Errorf("engine: HTIF mailbox %#x is not in RAM", a)
		}
	}
	return nil
}

// load puts a checked image (checkImage) into a machine whose RAM, boot
// ROM, page flags and harts are as New leaves them before loading: all
// zero. It loads the segments, flags the HTIF mailbox, builds the devices
// and resets the harts.
func (m *Machine) load(img *boot.Image) {
	cfg := m.cfg
	for _, s := range img.Segments {
		size := max(s.MemSize, uint64(len(s.Data)))
		if within(s.Addr, size, spec.RAMBase, cfg.RAM) {
			copy(m.ram[s.Addr-spec.RAMBase:], s.Data)
			m.markDirty(s.Addr-spec.RAMBase, uint64(len(s.Data)))
		} else {
			copy(m.rom[s.Addr-spec.BootROMBase:], s.Data)
		}
	}
	for _, a := range []uint64{img.ToHost, img.FromHost} {
		if a != 0 {
			m.pageFlags[(a-spec.RAMBase)>>12] |= pageHTIF
		}
	}
	m.dev = *devices.NewSet(cfg.Harts, cfg.TimebaseDiv, m, img.ToHost, img.FromHost)
	resetPC := img.ResetPC
	if resetPC == 0 {
		resetPC = cfg.ResetPC
	}
	for _, h := range m.Harts {
		h.reset(resetPC)
	}
}

// Config returns the configuration the machine was built from.
func (m *Machine) Config() spec.Config { return m.cfg }

// SetConsole connects the UART: in feeds its receiver, out takes what the
// guest transmits (and HTIF console output). Either may be nil. The
// receiver reads in at timer ticks (each time mtime advances), as many
// bytes as it has room for, one Read of one byte at a time; a Read of
// (0, nil) means nothing has arrived yet, and any error (io.EOF
// included) ends the input. So in should not block (a bytes.Reader, a
// file, a pipe with data ready). While in is open, Run stops at every
// tick, one per TimebaseDiv instructions.
//
// It implements diff.Runner.
func (m *Machine) SetConsole(in io.Reader, out io.Writer) {
	m.dev.SetConsole(in, out)
}

// Exit reports how the machine stopped, or Reason Running.
func (m *Machine) Exit() spec.Exit { return m.exit }

// Retired is the number of instructions retired so far over all harts.
func (m *Machine) Retired() uint64 {
	var n uint64
	for _, h := range m.Harts {
		n += h.count
	}
	return n
}

// halt stops the machine with exit e, unless it has stopped already.
func (m *Machine) halt(e spec.Exit) {
	if m.halted {
		return
	}
	m.halted = true
	m.exit = e
	for _, h := range m.Harts {
		h.exitLoop = true
	}
}

// Step runs one step of the next hart (round-robin): the interrupt it
// takes, or the instruction it retires or traps on. After the machine has
// halted it returns a record that changes nothing.
//
// It implements diff's Target.
func (m *Machine) Step() spec.Retire {
	h := m.Harts[m.next]
	m.next++
	if m.next == len(m.Harts) {
		m.next = 0
	}
	return h.Step()
}

// Run runs up to limit steps without producing records and returns how the
// machine stopped, by the rules of docs/retire.md ("Stop reasons"): when
// the limit runs out first, Reason HaltLimit with code -1 (the machine is
// not halted: Exit() still reports Running, and Step or Run may go on);
// when a hart takes the same exception spec.TrapLoopLimit times in a row
// without retiring, the machine halts with HaltTrapLoop, code -1. The
// trace it follows is exactly the one Step would produce.
//
// It implements diff.Runner.
func (m *Machine) Run(limit uint64) spec.Exit {
	left := limit
	if len(m.Harts) == 1 {
		h := m.Harts[0]
		for left > 0 && !m.halted {
			left -= h.run(left, false)
			m.checkTrapLoop(h)
		}
	} else {
		for ; left > 0 && !m.halted; left-- {
			h := m.Harts[m.next]
			m.next++
			if m.next == len(m.Harts) {
				m.next = 0
			}
			h.run(1, false)
			if h.trapped && mutantOn(m, mutRunHartTwice) { // MUTANT HOOK (mutant.go)
				m.next = h.id // the hart that trapped steps again
			}
			m.checkTrapLoop(h)
		}
	}
	if !m.halted {
		return spec.Exit{Reason: spec.HaltLimit, Code: -1,
			Detail: fmt.Sprintf("instruction limit reached after %d steps (%d retired)", limit, m.Retired())}
	}
	return m.exit
}

// checkTrapLoop halts the machine when h has taken the same exception
// trapLoopLimit times in a row without retiring.
func (m *Machine) checkTrapLoop(h *Hart) {
	if h.trapLoop >= trapLoopLimit {
		m.halt(spec.Exit{Reason: spec.HaltTrapLoop, Code: -1, Detail: fmt.Sprintf("trap loop: hart %d took %d traps in a row at pc %#x without retiring (%s, tval %#x)",
			h.id, h.trapLoop, h.pc, spec.CauseName(h.lastTrap.Interrupt, h.lastTrap.Cause), h.lastTrap.Tval)})
	}
}

// trapLoopLimit is how many traps in a row, without a single retired
// instruction, make Run give up (e.g. mtvec points at unmapped memory).
const trapLoopLimit = spec.TrapLoopLimit

// State returns the architectural state of one hart: pc, mode, registers
// and every CSR of spec.CSRs as an M-mode read returns it.
//
// It implements diff.Runner.
//
// For a hart the machine does not have it returns Hart = -1 (diff's
// compareStates walks harts until one is missing).
func (m *Machine) State(hart int) spec.ArchState {
	if hart < 0 || hart >= len(m.Harts) {
		return spec.ArchState{Hart: -1}
	}
	h := m.Harts[hart]
	s := spec.ArchState{Hart: hart, PC: h.pc, Mode: h.mode, CSRs: map[uint16]uint64{}}
	copy(s.X[:], h.x[:32])
	s.X[0] = 0
	for _, c := range spec.CSRs {
		s.CSRs[c.Addr] = h.csrRead(c.Addr)
	}
	return s
}

// ReadRAM copies guest physical RAM at pa into buf (the hypervisor's view
// of memory). It fails when the range is not all RAM.
func (m *Machine) ReadRAM(pa uint64, buf []byte) error {
	if !m.inRAM(pa, uint64(len(buf))) {
		return fmt.Errorf("engine: %#x+%d is not RAM", pa, len(buf))
	}
	copy(buf, m.ram[pa-spec.RAMBase:])
	return nil
}

// WriteRAM writes data into guest physical RAM at pa, keeping the decoded
// code and the HTIF mailbox coherent as a guest store would.
func (m *Machine) WriteRAM(pa uint64, data []byte) error {
	if !m.inRAM(pa, uint64(len(data))) {
		return fmt.Errorf("engine: %#x+%d is not RAM", pa, len(data))
	}
	for i, b := range data {
		m.writePhysRAM(pa-spec.RAMBase+uint64(i), 1, uint64(b))
	}
	return nil
}
