package pg

import (
	"fmt"
	"math/rand/v2"

	"github.com/vcheck-dev/vcheck/spec"
)

// Subject is one instruction form under analysis: a row of spec.Insts,
// and for the Zicsr rows one CSR number (implemented or not).
type Subject struct {
	Name     string // "addi", "csrrs sstatus", "csrrw csr0x7c0"
	Group    string // the row of the summary table
	Inst     *spec.Inst
	CSR      uint16
	HasCSR   bool
	Declared spec.Class
}

// unimplementedCSRs are CSR numbers rv64pg does not have: F, seed, the
// hypervisor, tcontrol and dcsr (debug), hpmcounter3 (pmu-num=0) and custom space. Every
// access must be illegal in every mode.
var unimplementedCSRs = []uint16{0x001, 0x003, 0x015, 0x200, 0x600, 0x7a5, 0x7b0, 0x5c0, 0x800, 0xbc0, 0xc03, 0xcc0}

// Subjects returns every instruction form of the table: each non-Zicsr
// row once, each Zicsr row once per CSR of spec.CSRs and per number of
// unimplementedCSRs.
func Subjects() []Subject {
	var out []Subject
	for i := range spec.Insts {
		in := &spec.Insts[i]
		if in.Class != spec.ByCSR {
			out = append(out, Subject{Name: in.Name, Group: instGroup(in), Inst: in, Declared: in.Class})
			continue
		}
		for j := range spec.CSRs {
			c := &spec.CSRs[j]
			out = append(out, Subject{Name: in.Name + " " + c.Name, Group: csrGroup(in, c), Inst: in,
				CSR: c.Addr, HasCSR: true, Declared: c.Class})
		}
		for _, a := range unimplementedCSRs {
			if _, ok := csrNames[a]; ok {
				continue
			}
			out = append(out, Subject{Name: fmt.Sprintf("%s csr%#x", in.Name, a), Group: "Zicsr x unimplemented CSR numbers",
				Inst: in, CSR: a, HasCSR: true, Declared: spec.Innocuous})
		}
	}
	return out
}

func instGroup(in *spec.Inst) string {
	switch in.Name {
	case "mret", "sret", "wfi", "sfence.vma", "ecall", "ebreak", "c.ebreak", "fence", "fence.tso", "fence.i":
		return in.Name
	}
	return fmt.Sprintf("%v (unprivileged)", in.Ext)
}

// csrGroup names the summary row of in on c. On a read-only CSR,
// csrrw/csrrwi (which always write, and so trap in every mode) and the
// other four forms behave differently and get rows of their own.
func csrGroup(in *spec.Inst, c *spec.CSR) string {
	g := csrKind(c)
	if c.ReadOnly {
		if in.Name == "csrrw" || in.Name == "csrrwi" {
			return g + ": csrrw/csrrwi"
		}
		return g + ": csrrs/csrrc/csrrsi/csrrci"
	}
	return g
}

func csrKind(c *spec.CSR) string {
	switch {
	case c.Addr == spec.CSRCycle || c.Addr == spec.CSRTime || c.Addr == 0xc02:
		return "Zicsr x cycle/time/instret"
	case c.Addr == spec.CSRSstatus || c.Addr == spec.CSRMstatus:
		return "Zicsr x sstatus/mstatus"
	case c.ReadOnly && c.Priv == spec.ModeM:
		return "Zicsr x M read-only (ID, hartid)"
	case c.Addr == spec.CSRSatp:
		return "Zicsr x satp"
	case c.Addr >= spec.CSRPmpcfg0 && c.Addr < spec.CSRPmpaddr0+spec.PMPEntries:
		return "Zicsr x pmpcfg/pmpaddr"
	case c.Addr >= spec.CSRMcycle && c.Addr < 0xb20 || c.Addr >= spec.CSRMhpmevent3 && c.Addr < 0x340 || c.Addr == spec.CSRMcountinhibit:
		return "Zicsr x M counters and events"
	case c.Priv == spec.ModeS:
		return "Zicsr x other S CSRs"
	case c.Priv == spec.ModeM:
		return "Zicsr x other M CSRs"
	}
	return "Zicsr x other CSRs"
}

// setClear are the Zicsr forms that do not write their CSR when rs1 = x0
// or uimm = 0 (Unpriv. spec §9.1).
var setClear = map[string]bool{"csrrs": true, "csrrc": true, "csrrsi": true, "csrrci": true}

// randWord returns an encoding of subj with random operands, decoding to
// subj's row (reserved and HINT-shared encodings are avoided).
func randWord(r *rand.Rand, subj *Subject, pureRead bool) (uint32, error) {
	in := subj.Inst
	for try := 0; try < 1000; try++ {
		w := in.Match
		ok := true
		for _, a := range in.Args {
			v := randOperand(r, a, subj)
			if pureRead && (a == spec.ArgRs1 || a == spec.ArgZimm) && setClear[in.Name] {
				v = 0
			}
			bits, err := a.Encode(v)
			if err != nil {
				ok = false
				break
			}
			w |= bits
		}
		if ok && spec.Decode(w) == in {
			return w, nil
		}
	}
	return 0, fmt.Errorf("pg: no random encoding of %s decodes to its row", subj.Name)
}

func randOperand(r *rand.Rand, a spec.Arg, subj *Subject) int64 {
	s := &spec.ArgSpecs[a]
	switch s.Kind {
	case spec.KindCSR:
		return int64(subj.CSR)
	case spec.KindReg:
		if s.Offset == 0 && r.IntN(4) == 0 {
			return 0 // x0 often: rs1 = x0 makes csrrs/csrrc pure reads
		}
	}
	var top, low uint8
	for _, f := range s.Fields {
		top = max(top, f.To+f.Width)
	}
	low = 64
	for _, f := range s.Fields {
		low = min(low, f.To)
	}
	raw := r.Uint64() & (1<<top - 1) &^ (1<<low - 1)
	if s.Kind == spec.KindUImm && a == spec.ArgZimm && r.IntN(4) == 0 {
		raw = 0 // csrrsi/csrrci with uimm = 0 are pure reads
	}
	if (s.Kind == spec.KindSImm || s.Kind == spec.KindUImm) && r.IntN(2) == 0 && top > 6 {
		raw &= 0x3f // small offsets stay inside the data pages
	}
	if s.Kind == spec.KindSImm {
		shift := 64 - top
		return int64(raw<<shift)>>shift + s.Offset
	}
	return int64(raw) + s.Offset
}

// randBase returns a state whose mode the caller sets: registers, mstatus
// in the form S and U reach through mret, translation, protection,
// counters and interrupts.
func randBase(r *rand.Rand) State {
	var s State
	for i := 1; i < 32; i++ {
		switch r.IntN(4) {
		case 0, 1:
			s.Regs[i] = DataVA + 0x1000 + uint64(r.IntN(0x80)-0x40)*8
		case 2:
			s.Regs[i] = uint64(r.IntN(64))
		default:
			s.Regs[i] = r.Uint64()
		}
	}
	s.Regs[2] = DataVA + 0x1000 + uint64(r.IntN(0x20))*8
	s.Mstatus = spec.MstatusReset | spec.MstatusMPIE
	for _, bit := range []uint64{spec.MstatusSIE, spec.MstatusSPIE, spec.MstatusSPP, spec.MstatusSUM,
		spec.MstatusMXR, spec.MstatusTVM, spec.MstatusTW, spec.MstatusTSR, spec.MstatusMIE} {
		if r.IntN(2) == 0 {
			s.Mstatus |= bit
		}
	}
	s.Sv39 = r.IntN(2) == 0
	s.ASID = uint16(r.Uint32())
	s.CodePTE = spec.PTEX | spec.PTEA | spec.PTED
	if r.IntN(16) == 0 {
		s.CodePTE &^= spec.PTEX
		s.CodePTE |= spec.PTER
	}
	if r.IntN(2) == 0 {
		s.CodePTE |= spec.PTER
	}
	if r.IntN(4) == 0 {
		s.CodePTE &^= spec.PTEA
	}
	if r.IntN(4) == 0 {
		s.CodePTE |= spec.PTEG
	}
	for i := range s.DataPTE {
		p := uint8(spec.PTER | spec.PTEW | spec.PTEA | spec.PTED)
		if r.IntN(8) == 0 {
			p &^= spec.PTER | spec.PTEW
			p |= spec.PTEX
		}
		if r.IntN(4) == 0 {
			p &^= spec.PTEW
		}
		if r.IntN(4) == 0 {
			p |= spec.PTEX
		}
		if r.IntN(4) == 0 {
			p &^= spec.PTEA
		}
		if r.IntN(4) == 0 {
			p &^= spec.PTED
		}
		s.DataPTE[i] = p
	}
	switch r.IntN(4) {
	case 0:
		s.PMP = PMPData
	case 1:
		s.PMP = PMPCode
	default:
		s.PMP = PMPAll
	}
	s.PMPPerm = uint8(r.IntN(8))
	if s.PMP == PMPCode && r.IntN(8) != 0 {
		s.PMPPerm |= spec.PMPX // mostly fetchable: a state that cannot fetch tells nothing
	}
	if s.PMPPerm&spec.PMPW != 0 {
		s.PMPPerm |= spec.PMPR // R=0 W=1 is reserved
	}
	if r.IntN(4) == 0 {
		s.PMPPerm |= spec.PMPL
	}
	if r.IntN(2) == 0 {
		s.Mcounter, s.Scounter = uint64(r.IntN(8)), uint64(r.IntN(8))
	}
	s.Mie = r.Uint64() & spec.AllInterrupts
	s.Mideleg = r.Uint64() & spec.SInterrupts
	s.Mscratch, s.Sscratch = r.Uint64(), r.Uint64()
	s.DataSeed = r.Uint64()
	return s
}
