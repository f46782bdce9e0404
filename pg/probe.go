package pg

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vcheck-dev/vcheck/refmodel"
	"github.com/vcheck-dev/vcheck/spec"
)

// probeLimit bounds the steps from reset to the instruction under test
// (the prologue is about 70 instructions).
const probeLimit = 2000

// Outcome is what one probe observed: the retire record of the
// instruction under test and the CSRs just before and just after it.
type Outcome struct {
	Rec    spec.Retire
	Before map[uint16]uint64
	After  map[uint16]uint64
}

// Trapped reports whether the instruction under test trapped.
func (o *Outcome) Trapped() bool { return o.Rec.Trap.Valid }

// FetchFault reports whether the instruction under test could not be
// fetched.
func (o *Outcome) FetchFault() bool {
	t := o.Rec.Trap
	return t.Valid && !t.Interrupt && (t.Cause == spec.CauseFetchAccess || t.Cause == spec.CauseFetchPageFault || t.Cause == spec.CauseMisalignedFetch)
}

// Illegal reports whether it trapped as an illegal instruction: the trap
// a privileged instruction takes below its level.
func (o *Outcome) Illegal() bool {
	return o.Rec.Trap.Valid && !o.Rec.Trap.Interrupt && o.Rec.Trap.Cause == spec.CauseIllegalInstruction
}

// Probe runs word in state s on the reference model: reset, the M-mode
// prologue, and one step of the instruction under test.
func Probe(v spec.Variant, s *State, word uint32) (*Outcome, error) {
	img, err := s.Image(v, word)
	if err != nil {
		return nil, err
	}
	m, err := refmodel.New(Config(v), img)
	if err != nil {
		return nil, fmt.Errorf("pg: refmodel.New: %w", err)
	}
	return Observe(m, s.Mode)
}

// Machine is what Observe needs of a model: refmodel.Machine, the
// engine, or any diff.Target.
type Machine interface {
	Step() spec.Retire
	Exit() spec.Exit
	State(hart int) spec.ArchState
}

// Observe steps m, freshly reset with a probe image, through the
// prologue to the instruction under test in mode, and steps that too.
func Observe(m Machine, mode spec.Mode) (*Outcome, error) {
	for n := 0; n < probeLimit; n++ {
		r := m.Step()
		if m.Exit().Reason != spec.Running {
			return nil, fmt.Errorf("pg: probe stopped (%v) before the instruction under test, after %d steps; last pc %#x", m.Exit().Reason, n, r.PC)
		}
		if r.Trap.Valid {
			return nil, fmt.Errorf("pg: the prologue trapped at pc %#x: %s (tval %#x)", r.PC, spec.CauseName(r.Trap.Interrupt, r.Trap.Cause), r.Trap.Tval)
		}
		if r.NextPC != CodeVA || r.NextMode != mode {
			continue
		}
		before := m.State(0)
		if before.Mode != mode || before.PC != CodeVA {
			return nil, fmt.Errorf("pg: reached %#x in %v, want %#x in %v", before.PC, before.Mode, uint64(CodeVA), mode)
		}
		rec := m.Step()
		after := m.State(0)
		return &Outcome{Rec: rec, Before: before.CSRs, After: after.CSRs}, nil
	}
	return nil, fmt.Errorf("pg: the instruction under test was not reached in %d steps", probeLimit)
}

// noisy CSRs change on their own (time advances with retired
// instructions); their changes are not effects of the instruction.
var noisy = map[uint16]bool{
	spec.CSRMcycle: true, spec.CSRMinstret: true, spec.CSRCycle: true, spec.CSRTime: true, 0xc02: true,
}

// controlMstatus are the mstatus bits that configure mode transitions,
// translation, protection and interrupts.
const controlMstatus = spec.MstatusSIE | spec.MstatusMIE | spec.MstatusSPIE | spec.MstatusMPIE |
	spec.MstatusSPP | spec.MstatusMPP | spec.MstatusMPRV | spec.MstatusSUM | spec.MstatusMXR |
	spec.MstatusTVM | spec.MstatusTW | spec.MstatusTSR

// controlCSR says whether a CSR configures mode, translation, protection,
// interrupts or debug triggers, and which of its bits do.
func controlCSR(addr uint16) (uint64, bool) {
	switch {
	case addr == spec.CSRMstatus || addr == spec.CSRSstatus:
		return controlMstatus, true
	case addr == spec.CSRSatp,
		addr == spec.CSRMie, addr == spec.CSRSie, addr == spec.CSRMip, addr == spec.CSRSip,
		addr == spec.CSRMideleg, addr == spec.CSRMedeleg,
		addr == spec.CSRMtvec, addr == spec.CSRStvec,
		addr == spec.CSRMcounteren, addr == spec.CSRScounteren,
		addr == spec.CSRMenvcfg, addr == spec.CSRSenvcfg,
		addr >= spec.CSRPmpcfg0 && addr < spec.CSRPmpcfg0+4,
		addr >= spec.CSRPmpaddr0 && addr < spec.CSRPmpaddr0+spec.PMPEntries,
		addr >= spec.CSRTselect && addr <= spec.CSRTdata3: // triggers: which accesses trap
		return ^uint64(0), true
	}
	return 0, false
}

// ControlChanges lists what the instruction changed of the control
// configuration without trapping: the mode, and control CSRs. Empty when
// it trapped (a trap hands control to the VMM, which is the point).
func (o *Outcome) ControlChanges() []string {
	if o.Trapped() {
		return nil
	}
	var out []string
	if o.Rec.NextMode != o.Rec.Mode {
		out = append(out, fmt.Sprintf("mode %v->%v", o.Rec.Mode, o.Rec.NextMode))
	}
	for _, addr := range sortedKeys(o.After) {
		mask, ok := controlCSR(addr)
		if !ok {
			continue
		}
		if d := (o.Before[addr] ^ o.After[addr]) & mask; d != 0 {
			out = append(out, fmt.Sprintf("%s %#x->%#x", csrName(addr), o.Before[addr], o.After[addr]))
		}
	}
	return out
}

func sortedKeys(m map[uint16]uint64) []uint16 {
	keys := make([]uint16, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Effect is the visible effect of one execution, as two executions of
// a pair are compared: register result, memory access, CSR write, the
// next pc and mode, and the CSRs whose values changed.
type Effect struct {
	Trap     spec.Trap
	Rd       spec.RegWrite
	Mem      spec.MemAccess
	CSR      spec.CSRWrite
	NextPC   uint64
	ModeStep string // "" or the mode it switched to
	Changed  string // CSRs that changed, name=value, sorted
}

// Effect returns o's visible effect.
func (o *Outcome) Effect() Effect {
	e := Effect{Trap: o.Rec.Trap, Rd: o.Rec.Rd, Mem: o.Rec.Mem, CSR: o.Rec.CSR, NextPC: o.Rec.NextPC}
	if o.Rec.NextMode != o.Rec.Mode {
		e.ModeStep = o.Rec.NextMode.String()
	}
	var ch []string
	for _, addr := range sortedKeys(o.After) {
		if !noisy[addr] && o.Before[addr] != o.After[addr] {
			ch = append(ch, fmt.Sprintf("%s=%#x", csrName(addr), o.After[addr]))
		}
	}
	e.Changed = strings.Join(ch, " ")
	return e
}

// String prints an effect compactly.
func (e Effect) String() string {
	var b strings.Builder
	if e.Trap.Valid {
		fmt.Fprintf(&b, "trap %s tval=%#x", spec.CauseName(e.Trap.Interrupt, e.Trap.Cause), e.Trap.Tval)
		return b.String()
	}
	if e.Rd.Valid {
		fmt.Fprintf(&b, "x%d=%#x ", e.Rd.Reg, e.Rd.Value)
	}
	if e.Mem.Valid {
		fmt.Fprintf(&b, "mem[%#x/%d]", e.Mem.Addr, e.Mem.Size)
		if e.Mem.Read {
			fmt.Fprintf(&b, " r=%#x", e.Mem.RData)
		}
		if e.Mem.Write {
			fmt.Fprintf(&b, " w=%#x", e.Mem.WData)
		}
		b.WriteString(" ")
	}
	if e.CSR.Valid {
		fmt.Fprintf(&b, "csr %s<-%#x ", csrName(e.CSR.Addr), e.CSR.Value)
	}
	fmt.Fprintf(&b, "next=%#x", e.NextPC)
	if e.ModeStep != "" {
		fmt.Fprintf(&b, " mode->%s", e.ModeStep)
	}
	if e.Changed != "" {
		fmt.Fprintf(&b, " changed[%s]", e.Changed)
	}
	return b.String()
}

var csrNames = func() map[uint16]string {
	m := map[uint16]string{}
	for _, c := range spec.CSRs {
		m[c.Addr] = c.Name
	}
	return m
}()

func csrName(addr uint16) string {
	if n, ok := csrNames[addr]; ok {
		return n
	}
	return fmt.Sprintf("csr%#x", addr)
}
