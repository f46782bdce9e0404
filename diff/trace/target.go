package trace

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Options configure a log target.
type Options struct {
	Config spec.Config
	// ToHost is the program's HTIF tohost address: an odd value written
	// there by device 0 ends the run (Spike keeps running after it, and
	// its log goes on; the target stops reading).
	ToHost uint64
	// Memory is the program's initial memory (the reset image's
	// segments): where the bits of an instruction that trapped are read
	// when the log has no -l line for it. Stores the log shows keep it
	// current.
	Memory []Segment
}

// Segment is initial memory content.
type Segment struct {
	Addr uint64
	Data []byte
}

// Target is a diff.Target that reads a commit log: each Step is the next
// step of the log, as a retire record.
//
// The log's own boot ROM (Spike's, below 0x80000000) is read but not
// returned: a comparison runs the reference from 0x80000000 too. Traps
// need -l's exception lines; a store access fault at the sifive_test
// finisher's address, which Spike does not have, is read as the
// finisher's command. Fields the log does not show are Unobserved: the
// data a load into x0 read (Spike logs load addresses only), and the next
// pc and mode of the log's last step.
type Target struct {
	r       *Reader
	closer  io.Closer
	cfg     spec.Config
	toHost  uint64
	exit    spec.Exit
	back    *Event // one event pushed back
	next    *step  // the step after the one being built
	started bool
	eof     bool

	x           [32]uint64
	mode        spec.Mode
	mstatus     uint64
	medeleg     uint64
	mideleg     uint64
	lastDisasm  Event
	sawTrapLine bool
	steps       uint64
	unobs       []string
	mem         *diff.MemoryCopy
	satp        uint64
}

// step is one step of the log: a commit line, or an exception (and its
// tval) with the -l line of the instruction before it.
type step struct {
	commit bool
	ev     Event
	tval   uint64
	insn   uint32 // the -l disassembly's bits, for an exception
	haveIn bool
}

// Open opens a log file (gzip-compressed when it ends in .gz).
func Open(path string, opts Options) (*Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var r io.Reader = f
	closer := io.Closer(f)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = z
	}
	t, err := New(r, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.closer = closer
	return t, nil
}

// New reads a log from r, named name in errors.
func New(r io.Reader, name string, opts Options) (*Target, error) {
	if opts.Config.Harts > 1 {
		return nil, fmt.Errorf("%s: a commit log is compared on one hart (Spike interleaves harts in its own quanta)", name)
	}
	t := &Target{r: NewReader(r, name), cfg: opts.Config, toHost: opts.ToHost, mode: spec.ModeM, mem: diff.NewMemoryCopy()}
	for _, seg := range opts.Memory {
		t.mem.Write(seg.Addr, seg.Data)
	}
	// Skip the log's boot ROM: everything before the first step in RAM.
	for {
		s, err := t.readStep()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s: no step at or above %#x in the log", name, uint64(spec.RAMBase))
			}
			return nil, err
		}
		if s.pc() >= spec.RAMBase {
			t.next = &s
			break
		}
		t.apply(&s, nil)
	}
	t.started = true
	return t, nil
}

// Close closes the log file.
func (t *Target) Close() error {
	if t.closer != nil {
		return t.closer.Close()
	}
	return nil
}

// Exit implements diff.Target.
func (t *Target) Exit() spec.Exit { return t.exit }

// State implements diff.Target: a log shows no whole state (Hart -1).
func (t *Target) State(int) spec.ArchState { return spec.ArchState{Hart: -1} }

// Ignored: a log shows every record field, some not in every record
// (Unobserved).
func (t *Target) Ignored() []string { return nil }

// Unobserved lists the fields of the last record the log did not show.
func (t *Target) Unobserved() []string { return t.unobs }

// Notes are hints about the log for a report.
func (t *Target) Notes() []string {
	if !t.sawTrapLine {
		return []string{"the log has no exception lines: Spike prints traps only with -l (use -l --log-commits)"}
	}
	return nil
}

func (s *step) pc() uint64 {
	if s.commit {
		return s.ev.PC
	}
	return s.ev.EPC
}

func (t *Target) event() (Event, error) {
	if t.back != nil {
		e := *t.back
		t.back = nil
		return e, nil
	}
	return t.r.Next()
}

// readStep reads the next step of the log (for hart 0).
func (t *Target) readStep() (step, error) {
	for {
		e, err := t.event()
		if err != nil {
			return step{}, err
		}
		if e.Hart != 0 {
			return step{}, fmt.Errorf("%w: %s:%d: core %d: the log has more than one hart", ErrFormat, t.r.name, e.Line, e.Hart)
		}
		switch e.Kind {
		case 'd':
			t.lastDisasm = e
		case 'c':
			return step{commit: true, ev: e}, nil
		case 't':
			return step{}, fmt.Errorf("%w: %s:%d: a tval line without an exception line before it", ErrFormat, t.r.name, e.Line)
		case 'x':
			t.sawTrapLine = true
			s := step{ev: e}
			if t.lastDisasm.Line > 0 && t.lastDisasm.PC == e.EPC {
				s.insn, s.haveIn = t.lastDisasm.Insn, true
			}
			n, err := t.event()
			switch {
			case err == nil && n.Kind == 't' && n.Hart == e.Hart:
				s.tval = n.Tval
			case err == nil:
				t.back = &n
			case !errors.Is(err, io.EOF):
				return step{}, err
			}
			return s, nil
		}
	}
}

// Step implements diff.Target. A malformed log ends the run with an
// error naming the line.
func (t *Target) Step() spec.Retire {
	r, err := t.step()
	if err != nil {
		panic(fmt.Errorf("%w: %v", diff.ErrTargetFailed, err))
	}
	t.steps++
	return r
}

func (t *Target) step() (spec.Retire, error) {
	t.unobs = nil
	if t.next == nil {
		return spec.Retire{}, fmt.Errorf("%s: stepped past the end of the log", t.r.name)
	}
	cur := *t.next
	t.next = nil
	var following *step
	if !t.eof {
		s, err := t.readStep()
		switch {
		case err == nil:
			following = &s
		case errors.Is(err, io.EOF):
			t.eof = true
		default:
			return spec.Retire{}, err
		}
	}
	r, err := t.apply(&cur, following)
	if err != nil {
		return r, err
	}
	t.next = following
	if t.exit.Reason == spec.Running && following == nil {
		t.exit = spec.Exit{Reason: spec.HaltLimit, Code: -1, Detail: fmt.Sprintf("the log ends after %d steps", t.steps+1)}
	}
	return r, nil
}

// apply builds the record of s (with the step after it, nil at the end
// of the log) and moves the shadow state past it.
func (t *Target) apply(s *step, next *step) (spec.Retire, error) {
	var r spec.Retire
	var err error
	if s.commit {
		r, err = t.commitRecord(s)
	} else {
		r, err = t.trapRecord(s)
	}
	if err != nil {
		return r, err
	}
	switch {
	case t.exit.Reason != spec.Running:
	case next != nil:
		r.NextPC = next.pc()
		if next.commit {
			r.NextMode = spec.Mode(next.ev.Priv)
		}
	default:
		t.unobs = append(t.unobs, "NextPC", "NextMode")
	}
	t.mode = r.NextMode
	return r, nil
}

func (t *Target) commitRecord(s *step) (spec.Retire, error) {
	e := &s.ev
	r := spec.Retire{PC: e.PC, Insn: e.Insn, Mode: spec.Mode(e.Priv)}
	if !r.Mode.Valid() {
		return r, fmt.Errorf("%w: %s:%d: privilege %d is not M, S or U", ErrFormat, t.r.name, e.Line, e.Priv)
	}
	if (e.InsnHx == 4) != (e.Insn&3 != 3) {
		return r, fmt.Errorf("%w: %s:%d: instruction %#x has %d hex digits", ErrFormat, t.r.name, e.Line, e.Insn, e.InsnHx)
	}
	next := r.Mode
	ops, decoded := spec.DecodeOperands(e.Insn)
	pre := t.x
	if len(e.Regs) > 1 {
		return r, fmt.Errorf("%w: %s:%d: %d register writes in one step", ErrFormat, t.r.name, e.Line, len(e.Regs))
	}
	if len(e.Regs) == 1 {
		w := e.Regs[0]
		r.Rd = spec.RegWrite{Valid: true, Reg: uint8(w.Reg), Value: w.Value}
		t.x[w.Reg] = w.Value
	}
	logged := map[uint16]uint64{}
	for _, c := range e.CSRs {
		logged[c.Addr] = c.Value
	}
	switch {
	case e.Insn == insnMret:
		next = spec.Mode(t.mstatus >> 11 & 3)
	case e.Insn == insnSret:
		next = spec.Mode(t.mstatus >> 8 & 1)
	}
	if decoded && ops.HasCSR && csrWritten(ops) {
		addr := ops.CSR
		v, ok := logged[loggedCSR(addr)]
		if !ok {
			return r, fmt.Errorf("%w: %s:%d: %s writes CSR %#x but the line logs no write of it", ErrFormat, t.r.name, e.Line, ops.Row.Name, addr)
		}
		switch addr {
		case spec.CSRSstatus:
			v &= spec.SstatusMask
		case spec.CSRSie, spec.CSRSip:
			v &= t.mideleg
		}
		r.CSR = spec.CSRWrite{Valid: true, Addr: addr, Value: v}
	}
	for addr, v := range logged {
		switch addr {
		case spec.CSRSatp:
			t.satp = v
		case spec.CSRMstatus:
			t.mstatus = v
		case spec.CSRMedeleg:
			t.medeleg = v
		case spec.CSRMideleg:
			t.mideleg = v
		}
	}
	if decoded {
		if err := t.memory(&r, e, ops, &pre); err != nil {
			return r, err
		}
	}
	r.NextPC, r.NextMode = e.PC+uint64(spec.InsnLen(e.Insn)), next
	t.htif(&r)
	return r, nil
}

// csrWritten reports whether a Zicsr instruction writes its CSR (csrrw
// always, the set/clear forms with a nonzero source; Unpriv. §9.1).
func csrWritten(ops spec.Operands) bool {
	switch ops.Base.Name {
	case "csrrw", "csrrwi":
		return true
	case "csrrsi", "csrrci":
		return ops.Imm != 0
	}
	return ops.Rs1 != 0
}

func (t *Target) memory(r *spec.Retire, e *Event, ops spec.Operands, pre *[32]uint64) error {
	name := ops.Base.Name
	var size uint64
	amo := strings.HasPrefix(name, "amo") || strings.HasPrefix(name, "lr.") || strings.HasPrefix(name, "sc.")
	switch {
	case amo:
		size = 4
		if strings.HasSuffix(name, ".d") {
			size = 8
		}
	case ops.Base.Format == spec.FmtI && ops.Base.Match&0x7f == 0x03, ops.Base.Format == spec.FmtS && ops.Base.Match&0x7f == 0x23:
		size = 1 << (ops.Base.Match >> 12 & 3)
	default:
		if len(e.Loads) > 0 || len(e.Stores) > 0 {
			return fmt.Errorf("%w: %s:%d: %s logs a memory access", ErrFormat, t.r.name, e.Line, ops.Row.Name)
		}
		return nil
	}
	mask := ^uint64(0)
	if size < 8 {
		mask = 1<<(8*size) - 1
	}
	r.Mem = spec.MemAccess{Valid: true, Size: uint8(size)}
	switch {
	case len(e.Loads) > 0:
		r.Mem.Addr = e.Loads[0]
	case len(e.Stores) > 0:
		r.Mem.Addr = e.Stores[0].Addr
	default:
		r.Mem.Addr = pre[ops.Rs1] // a failed SC makes no access: the address is rs1
	}
	if len(e.Loads) > 0 {
		r.Mem.Read = true
		if r.Rd.Valid {
			r.Mem.RData = r.Rd.Value & mask
		} else {
			t.unobs = append(t.unobs, "Mem.RData")
		}
	}
	if len(e.Stores) > 0 {
		st := e.Stores[0]
		if uint64(st.Size) != size {
			return fmt.Errorf("%w: %s:%d: a %d-byte store logged for %s", ErrFormat, t.r.name, e.Line, st.Size, ops.Row.Name)
		}
		r.Mem.Write, r.Mem.WData = true, st.Value&mask
		mode := r.Mode
		if mode == spec.ModeM && t.mstatus&spec.MstatusMPRV != 0 {
			mode = spec.Mode(t.mstatus >> 11 & 3)
		}
		for i := uint64(0); i < size; i++ {
			if pa, ok := t.mem.Translate(st.Addr+i, t.satp, mode); ok {
				t.mem.Write(pa, []byte{byte(r.Mem.WData >> (8 * i))})
			}
		}
		if pa, ok := t.mem.Translate(st.Addr, t.satp, mode); ok && pa == spec.TestBase {
			if ex, ok := spec.FinisherExit(r.Mem.WData, int(r.Mem.Size)); ok {
				t.exit = ex
			}
		}
	}
	return nil
}

// trapRecord builds the record of an exception step, or, for a store
// access fault at the finisher's address, of the finisher's store.
func (t *Target) trapRecord(s *step) (spec.Retire, error) {
	e := &s.ev
	interrupt, cause, ok := parseTrapName(e.Trap)
	if !ok {
		return spec.Retire{}, fmt.Errorf("%w: %s:%d: unknown trap %q", ErrFormat, t.r.name, e.Line, e.Trap)
	}
	r := spec.Retire{PC: e.EPC, Mode: t.mode}
	if !interrupt && cause == spec.CauseStoreAccess && s.tval == spec.TestBase {
		if !s.haveIn {
			s.insn, s.haveIn = t.mem.Fetch(e.EPC, t.satp, t.mode)
		}
		if s.haveIn {
			if rec, ok := t.finisher(s, r); ok {
				return rec, nil
			}
		}
	}
	r.Trap = spec.Trap{Valid: true, Interrupt: interrupt, Cause: cause, Tval: s.tval, Target: t.target(interrupt, cause)}
	if !interrupt && cause != spec.CauseFetchAccess && cause != spec.CauseFetchPageFault && cause != spec.CauseMisalignedFetch {
		fromLog := s.haveIn
		if !s.haveIn {
			s.insn, s.haveIn = t.mem.Fetch(e.EPC, t.satp, t.mode)
		}
		r.Insn = s.insn
		switch {
		case !s.haveIn:
			t.unobs = append(t.unobs, "Insn")
		case cause == spec.CauseBreakpoint && !fromLog && s.insn != insnEbreak && s.insn != insnCEbreak:
			// A breakpoint at an instruction that is no EBREAK is a
			// trigger's: an execute trigger fires before the fetch (no
			// instruction: Spike prints no -l line for it), a load or
			// store trigger during the instruction. Without -l's line
			// the log does not say which.
			r.Insn = 0
			t.unobs = append(t.unobs, "Insn")
		}
	}
	// Trap entry (Priv. 1.12 §3.1.6.1): xPP takes the mode.
	if r.Trap.Target == spec.ModeS {
		t.mstatus = t.mstatus&^spec.MstatusSPP | uint64(t.mode&1)<<8
	} else {
		t.mstatus = t.mstatus&^spec.MstatusMPP | uint64(t.mode)<<11
	}
	r.NextMode = r.Trap.Target
	return r, nil
}

// target is the mode a trap goes to: S when it comes from S or U and
// medeleg/mideleg delegate it (Priv. 1.12 §3.1.8).
func (t *Target) target(interrupt bool, cause uint64) spec.Mode {
	deleg := t.medeleg
	if interrupt {
		deleg = t.mideleg
	}
	if t.mode != spec.ModeM && cause < 64 && deleg>>cause&1 != 0 {
		return spec.ModeS
	}
	return spec.ModeM
}

// finisher reads a store access fault at the sifive_test finisher as the
// finisher's command (Spike has no such device), when the faulting
// instruction is a store.
func (t *Target) finisher(s *step, r spec.Retire) (spec.Retire, bool) {
	ops, ok := spec.DecodeOperands(s.insn)
	if !ok || ops.Base.Format != spec.FmtS || ops.Base.Match&0x7f != 0x23 {
		return r, false
	}
	size := uint64(1) << (ops.Base.Match >> 12 & 3)
	mask := ^uint64(0)
	if size < 8 {
		mask = 1<<(8*size) - 1
	}
	v := t.x[ops.Rs2] & mask
	r.Insn = s.insn
	r.Mem = spec.MemAccess{Valid: true, Addr: spec.TestBase, Size: uint8(size), Write: true, WData: v}
	r.NextPC, r.NextMode = r.PC+uint64(spec.InsnLen(s.insn)), r.Mode
	ex, ok := spec.FinisherExit(v, int(size))
	if !ok || ex.Reason != spec.HaltFinisher {
		return r, false
	}
	ex.Detail += " (a store access fault at the finisher in the log)"
	t.exit = ex
	return r, true
}

// htif ends the run at an HTIF exit: an odd value for device 0 stored to
// tohost (an 8-byte store, or the low word of it).
func (t *Target) htif(r *spec.Retire) {
	if t.toHost == 0 || !r.Mem.Write || r.Mem.Addr != t.toHost {
		return
	}
	v := r.Mem.WData
	if r.Mem.Size < 8 {
		v &^= 0xff << 56 // a word store: the device field is not in it
	}
	if ex, ok := spec.HTIFExit(v); ok {
		t.exit = ex
	}
}
