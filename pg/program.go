package pg

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// Physical and virtual layout of a probe (see the picture in doc.go).
const (
	prologueAddr = spec.RAMBase          // M-mode set-up, entered from the boot ROM
	handlerAddr  = spec.RAMBase + 0x800  // mtvec = stvec: ends the run through the finisher
	tableAddr    = spec.RAMBase + 0x1000 // the values the prologue loads
	tableAccess  = tableAddr             // mapped for M-mode MPRV states only

	// CodeVA is the virtual address of the instruction under test. At
	// relocation 0 it is identity-mapped; relocation r places code, data
	// and page tables r*RelocStride higher in physical memory, mapped at
	// the same virtual addresses.
	CodeVA      = spec.RAMBase + 0x10000
	DataVA      = spec.RAMBase + 0x12000 // two data pages
	dataSize    = 0x2000
	ptOffset    = 0x20000 // root, L1 and L0 tables, from RAMBase + reloc
	RelocStride = 0x100000
	// Relocations is how many physical placements a state may take.
	Relocations = 3
)

// Table offsets: where the prologue finds each value (tableAddr + off).
const (
	tRegs       = 0 // x0..x31, 8 bytes each (x0 unused)
	tPmpaddr0   = 256
	tPmpaddr1   = 264
	tPmpcfg0    = 272
	tSatp       = 280
	tMcounteren = 288
	tScounteren = 296
	tMie        = 304
	tMideleg    = 312
	tMscratch   = 320
	tSscratch   = 328
	tMepc       = 336
	tMstatus    = 344
	tPath       = 352 // 0: mret into the target mode; 1: jump in M-mode
	tableSize   = 360
)

// prologueSource is the M-mode set-up code. Both paths execute the same
// number of instructions, so that the counters read the same in every
// mode of a mode pair.
const prologueSource = `
.equ TABLE, 0x80001000
.equ CODE, 0x80010000
_start:
	li t6, TABLE
	la t0, handler
	csrw mtvec, t0
	csrw stvec, t0
	li t0, 0x2004000          # CLINT mtimecmp of hart 0: never, so no timer interrupt
	li t1, -1
	sd t1, 0(t0)
	ld t0, 256(t6)
	csrw pmpaddr0, t0
	ld t0, 264(t6)
	csrw pmpaddr1, t0
	ld t0, 272(t6)
	csrw pmpcfg0, t0
	ld t0, 280(t6)
	csrw satp, t0
	sfence.vma
	ld t0, 288(t6)
	csrw mcounteren, t0
	ld t0, 296(t6)
	csrw scounteren, t0
	ld t0, 304(t6)
	csrw mie, t0
	ld t0, 312(t6)
	csrw mideleg, t0
	ld t0, 320(t6)
	csrw mscratch, t0
	ld t0, 328(t6)
	csrw sscratch, t0
	ld t0, 336(t6)
	csrw mepc, t0
	ld t0, 352(t6)
	bnez t0, mpath
	ld t0, 344(t6)
	csrw mstatus, t0
	LOADREGS
	mret
mpath:
	ld t0, 344(t6)
	csrw mstatus, t0
	LOADREGS
	j CODE
.org 0x800
handler:
	li t0, 1<<17              # MPRV off, so the finisher store is not translated
	csrc mstatus, t0
	li t0, 0x100000
	li t1, 0x5555
	sw t1, 0(t0)
1:	j 1b
`

// template is the reset image without the probe's own segments: boot
// ROM, device tree and prologue. Built once per variant.
type template struct {
	img      *boot.Image
	prologue []byte
}

var (
	templatesMu sync.Mutex
	templates   = map[spec.Variant]*template{}
)

// Config is the machine configuration the analysis uses for a variant.
func Config(v spec.Variant) spec.Config {
	cfg := spec.DefaultConfig()
	cfg.RAM = 16 << 20
	cfg.Variant = v
	return cfg
}

func templateFor(v spec.Variant) (*template, error) {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if t, ok := templates[v]; ok {
		return t, nil
	}
	loads := ""
	for r := 1; r <= 30; r++ {
		loads += fmt.Sprintf("\tld x%d, %d(t6)\n", r, 8*r)
	}
	loads += "\tld x31, 248(t6)\n"
	src := []byte(strings.ReplaceAll(prologueSource, "\tLOADREGS\n", loads))
	obj, err := asm.Assemble("pg-prologue.S", src, asm.Options{})
	if err != nil {
		return nil, fmt.Errorf("pg: assembling the prologue: %w", err)
	}
	prog := obj.Program("pg-prologue")
	if len(prog.Segments) != 1 || prog.Segments[0].Addr != prologueAddr || uint64(len(prog.Segments[0].Data)) > tableAddr-prologueAddr {
		return nil, fmt.Errorf("pg: prologue layout unexpected: %d segments", len(prog.Segments))
	}
	img, err := boot.Build(Config(v), prog, nil)
	if err != nil {
		return nil, fmt.Errorf("pg: %w", err)
	}
	// The reference model loads a segment byte by byte, zeros included;
	// RAM reads zero anyway, so only the non-zero runs are kept. The
	// device tree's segment alone is QEMU's 1 MiB reservation.
	img.Segments = compact(img.Segments)
	t := &template{img: img, prologue: prog.Segments[0].Data}
	templates[v] = t
	return t, nil
}

// PMP layouts a state may use. Every layout ends with an entry that
// grants RWX on all of memory, so only the first entry restricts.
const (
	PMPAll  = iota // one NAPOT entry: all memory RWX
	PMPData        // entry 0 over the data pages with Perm (and maybe L)
	PMPCode        // entry 0 over the code page with Perm (and maybe L)
	numPMPLayouts
)

// State is one machine state a probe starts the instruction under test
// in. It is plain data, so a witness can be printed, stored and replayed.
type State struct {
	Mode  spec.Mode
	Reloc int // physical placement 0..Relocations-1 (0: identity)
	// Regs are x0..x31 when the instruction starts (x0 ignored).
	Regs [32]uint64
	// Mstatus is mstatus when the instruction starts. For S and U the
	// prologue reaches it through mret, so MPP = U, MPIE = 1, MPRV = 0.
	Mstatus uint64
	Sv39    bool
	ASID    uint16
	// PTE flag bytes (V, R, W, X, G, A, D; U is set by the mode that
	// accesses the page) of the code page and the two data pages.
	CodePTE  uint8
	DataPTE  [2]uint8
	PMP      int
	PMPPerm  uint8 // entry 0's R/W/X/L bits
	Mcounter uint64
	Scounter uint64
	Mie      uint64
	Mideleg  uint64
	Mscratch uint64
	Sscratch uint64
	DataSeed uint64 // the data pages' content
}

// InScope reports whether the state is one the VMM of Theorem 1 can put
// the machine in when it runs a guest: physical U-mode with every counter
// hidden (mcounteren = scounteren = 0), docs/pg.md "Scope".
func (s *State) InScope() bool { return s.Mode == spec.ModeU && s.Mcounter == 0 && s.Scounter == 0 }

// dataMode is the privilege data accesses are made with.
func (s *State) dataMode() spec.Mode {
	if s.Mode == spec.ModeM && s.Mstatus&spec.MstatusMPRV != 0 {
		return spec.Mode(s.Mstatus & spec.MstatusMPP >> 11)
	}
	return s.Mode
}

func (s *State) base() uint64 { return spec.RAMBase + uint64(s.Reloc)*RelocStride }

// CodePA is the physical address of the instruction under test.
func (s *State) CodePA() uint64 { return s.base() + (CodeVA - spec.RAMBase) }

func (s *State) dataPA() uint64 { return s.base() + (DataVA - spec.RAMBase) }
func (s *State) ptPA() uint64   { return s.base() + ptOffset }

// Validate reports a state no probe can realize.
func (s *State) Validate() error {
	switch {
	case !s.Mode.Valid():
		return fmt.Errorf("pg: state mode %v", s.Mode)
	case s.Reloc < 0 || s.Reloc >= Relocations:
		return fmt.Errorf("pg: relocation %d out of 0..%d", s.Reloc, Relocations-1)
	case s.Reloc != 0 && (!s.Sv39 || s.Mode == spec.ModeM):
		return fmt.Errorf("pg: relocation %d needs Sv39 and S or U mode: M-mode fetches are never translated", s.Reloc)
	case s.PMP < 0 || s.PMP >= numPMPLayouts:
		return fmt.Errorf("pg: PMP layout %d", s.PMP)
	}
	return nil
}

func napot(base, size uint64) uint64 { return base>>2 | (size/8 - 1) }

// segments builds the probe's own memory: table, code, data, page tables.
func (s *State) segments(word uint32) []load.Segment {
	table := make([]byte, tableSize)
	put := func(off int, v uint64) { binary.LittleEndian.PutUint64(table[off:], v) }
	for r := 1; r < 32; r++ {
		put(tRegs+8*r, s.Regs[r])
	}
	all := uint64(spec.PMPAddrMask)
	cfg0 := uint64(spec.PMPNAPOT | spec.PMPR | spec.PMPW | spec.PMPX)
	switch s.PMP {
	case PMPAll:
		put(tPmpaddr0, all)
		put(tPmpcfg0, cfg0)
	case PMPData, PMPCode:
		base, size := s.dataPA(), uint64(dataSize)
		if s.PMP == PMPCode {
			base, size = s.CodePA(), 0x1000
		}
		put(tPmpaddr0, napot(base, size))
		put(tPmpaddr1, all)
		put(tPmpcfg0, uint64(spec.PMPNAPOT)|uint64(s.PMPPerm&(spec.PMPR|spec.PMPW|spec.PMPX|spec.PMPL))|cfg0<<8)
	}
	if s.Sv39 {
		put(tSatp, uint64(spec.SatpModeSv39)<<60|uint64(s.ASID)<<44|s.ptPA()>>12)
	}
	put(tMcounteren, s.Mcounter)
	put(tScounteren, s.Scounter)
	put(tMie, s.Mie)
	put(tMideleg, s.Mideleg)
	put(tMscratch, s.Mscratch)
	put(tSscratch, s.Sscratch)
	put(tMepc, CodeVA)
	if s.Mode == spec.ModeM {
		put(tPath, 1)
		put(tMstatus, s.Mstatus)
	} else {
		// mret: MIE <- MPIE, MPIE <- 1, mode <- MPP, MPP <- U, MPRV <- 0.
		ms := s.Mstatus &^ (spec.MstatusMIE | spec.MstatusMPIE | spec.MstatusMPP | spec.MstatusMPRV)
		if s.Mstatus&spec.MstatusMIE != 0 {
			ms |= spec.MstatusMPIE
		}
		ms |= uint64(s.Mode) << 11
		put(tMstatus, ms)
	}

	code := make([]byte, 0x1000)
	n := 4
	if word&3 != 3 {
		n = 2
	}
	binary.LittleEndian.PutUint32(code, word)
	if n == 2 {
		binary.LittleEndian.PutUint16(code, uint16(word))
	}
	binary.LittleEndian.PutUint32(code[n:], 0x00000073) // ecall: the run ends in the handler

	data := make([]byte, dataSize)
	r := rand.New(rand.NewPCG(s.DataSeed, 0x9e3779b97f4a7c15))
	for i := 0; i < dataSize; i += 8 {
		binary.LittleEndian.PutUint64(data[i:], r.Uint64())
	}
	segs := []load.Segment{
		{Addr: tableAddr, Data: table, MemSize: tableSize},
		{Addr: s.CodePA(), Data: code, MemSize: 0x1000},
		{Addr: s.dataPA(), Data: data, MemSize: dataSize},
	}
	if s.Sv39 {
		segs = append(segs, load.Segment{Addr: s.ptPA(), Data: s.pageTables(), MemSize: 0x3000})
	}
	return segs
}

// pageTables returns the root, L1 and L0 tables: VA 0x8001_0000.. maps
// 4 KiB pages to the relocated code and data. The U bit follows the mode
// that accesses the page, so S and U see the same memory with the same
// permissions (mode pairs differ in nothing else).
func (s *State) pageTables() []byte {
	pt := make([]byte, 0x3000)
	root, l1, l0 := s.ptPA(), s.ptPA()+0x1000, s.ptPA()+0x2000
	pte := func(pa uint64, flags uint64) uint64 { return pa>>12<<10 | flags }
	set := func(table int, idx uint64, v uint64) {
		binary.LittleEndian.PutUint64(pt[table*0x1000+int(idx)*8:], v)
	}
	vpn := func(va uint64, level uint) uint64 { return va >> (12 + 9*level) & 0x1ff }
	set(0, vpn(CodeVA, 2), pte(l1, spec.PTEV))
	set(1, vpn(CodeVA, 1), pte(l0, spec.PTEV))
	var fetchU, dataU uint64
	if s.Mode == spec.ModeU {
		fetchU = spec.PTEU
	}
	if s.dataMode() == spec.ModeU {
		dataU = spec.PTEU
	}
	set(2, vpn(CodeVA, 0), pte(s.CodePA(), uint64(s.CodePTE)|spec.PTEV|fetchU))
	for i := uint64(0); i < 2; i++ {
		set(2, vpn(DataVA+i*0x1000, 0), pte(s.dataPA()+i*0x1000, uint64(s.DataPTE[i])|spec.PTEV|dataU))
	}
	if s.Mode == spec.ModeM && s.Mstatus&spec.MstatusMPRV != 0 {
		// The prologue's register loads run under MPRV: map the table.
		set(2, vpn(tableAccess, 0), pte(tableAddr&^0xfff, spec.PTEV|spec.PTER|spec.PTEA|dataU))
	}
	_ = root
	return pt
}

// Image returns the reset image of a probe of word in state s.
func (s *State) Image(v spec.Variant, word uint32) (*boot.Image, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	t, err := templateFor(v)
	if err != nil {
		return nil, err
	}
	img := *t.img
	img.Segments = append(append([]load.Segment(nil), t.img.Segments...), compact(s.segments(word))...)
	sort.SliceStable(img.Segments, func(a, b int) bool { return img.Segments[a].Addr < img.Segments[b].Addr })
	return &img, nil
}

// compact returns segs as runs of non-zero bytes: the same memory content
// on a machine whose RAM starts zeroed.
func compact(segs []load.Segment) []load.Segment {
	var out []load.Segment
	for _, g := range segs {
		if g.Addr < spec.RAMBase {
			out = append(out, g) // the boot ROM is copied whole
			continue
		}
		d := g.Data
		for i := 0; i < len(d); {
			if d[i] == 0 {
				i++
				continue
			}
			j, zeros := i, 0
			for j < len(d) && zeros < 16 {
				if d[j] == 0 {
					zeros++
				} else {
					zeros = 0
				}
				j++
			}
			j -= zeros
			out = append(out, load.Segment{Addr: g.Addr + uint64(i), Data: d[i:j], MemSize: uint64(j - i)})
			i = j
		}
	}
	return out
}
