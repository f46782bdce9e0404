package fuzz

// Command-based tests of the stateful devices (CLINT, PLIC, UART) against
// small abstract models, run on ref and on the engine THROUGH THE GUEST:
// each gopter command is an MMIO load or store (or a csrr of mip) that a
// generated M-mode program performs; the result is read back from the
// retire record of that instruction. Each command's PreCondition and
// NextState state the device protocol; PostCondition checks what the
// guest saw against the abstract state.
//
// The system under test keeps the commands run so far and replays them
// all from reset for each new command (a program of at most a few dozen
// accesses), so every command sees the device as the previous ones left it.

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
	"github.com/leanovate/gopter/gen"

	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

// access is one guest access: a load or store of size bytes at addr, or
// (csr != 0) a read of that CSR.
type access struct {
	addr  uint64
	size  int
	store bool
	value uint64
	csr   uint16
}

// observed is what the guest saw: the value loaded, or a trap.
type observed struct {
	value uint64
	trap  bool
	cause uint64
}

const (
	regAddr = 5 // t0
	regVal  = 6 // t1
	regOut  = 7 // t2
)

// guestItem is the body Item that performs a.
func guestItem(a access) Item {
	if a.csr != 0 {
		return Item{Insns: []Insn{csrr(regOut, a.csr)}, Note: "csr read"}
	}
	insns := li(regAddr, int64(a.addr))
	if a.store {
		insns = append(insns, li(regVal, int64(a.value))...)
		name := map[int]string{1: "sb", 2: "sh", 4: "sw", 8: "sd"}[a.size]
		return Item{Insns: append(insns, mk(name, regVal, 0, regAddr)), Note: "mmio store"}
	}
	name := map[int]string{1: "lbu", 2: "lhu", 4: "lwu", 8: "ld"}[a.size]
	return Item{Insns: append(insns, mk(name, regOut, 0, regAddr)), Note: "mmio load"}
}

// deviceConfig stops mtime: one tick per 2^40 instructions, so the
// abstract CLINT need not count instructions.
func deviceConfig() spec.Config {
	c := Config()
	c.TimebaseDiv = 1 << 40
	return c
}

// runGuest runs the accesses in one program on a fresh target and
// returns what each one saw.
func runGuest(target string, accs []access) ([]observed, error) {
	t := &Test{Mode: spec.ModeM}
	for _, a := range accs {
		t.Body = append(t.Body, guestItem(a))
	}
	l, err := t.Layout()
	if err != nil {
		return nil, err
	}
	// The pc of each access's last instruction.
	last := map[uint64]int{}
	pc := l.BodyStart
	for i, it := range t.Body {
		for _, in := range it.Insns {
			pc += uint64(in.Len())
		}
		last[pc-uint64(it.Insns[len(it.Insns)-1].Len())] = i
	}
	cfg := deviceConfig()
	img, err := BuildImage(cfg, l.Program("device-guest"))
	if err != nil {
		return nil, err
	}
	m, err := targets.New(target, cfg, img)
	if err != nil {
		return nil, err
	}
	if c, ok := m.(interface{ SetConsole(io.Reader, io.Writer) }); ok {
		c.SetConsole(nil, io.Discard)
	}
	out := make([]observed, len(accs))
	seen := 0
	for n := 0; n < RecordLimit && m.Exit().Reason == spec.Running; n++ {
		r := m.Step()
		i, ok := last[r.PC]
		if !ok || r.Trap.Interrupt {
			continue
		}
		seen++
		if r.Trap.Valid {
			out[i] = observed{trap: true, cause: r.Trap.Cause}
		} else {
			out[i] = observed{value: r.Rd.Value}
		}
	}
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 || seen != len(accs) {
		return nil, fmt.Errorf("%s: the guest ended with %+v after %d of %d accesses", target, e, seen, len(accs))
	}
	return out, nil
}

// guestSUT is the system under test: a target and the accesses so far.
type guestSUT struct {
	target string
	accs   []access
}

func (g *guestSUT) do(a access) observed {
	g.accs = append(g.accs, a)
	obs, err := runGuest(g.target, g.accs)
	if err != nil {
		return observed{trap: true, cause: ^uint64(0)}
	}
	return obs[len(obs)-1]
}

// devState is the abstract model of the three devices, for hart 0.
type devState struct {
	// CLINT (ACLINT spec: MSWI and MTIMER).
	msip            bool
	mtime, mtimecmp uint64
	// PLIC (PLIC spec 1.0.0): priorities of the sources used, enables
	// (word 0) and thresholds of contexts 0 (M) and 1 (S), and the UART's
	// gateway state.
	prio              map[int]uint32
	enable            [2]uint32
	threshold         [2]uint32
	pending, inFlight bool // source spec.UARTIRQ
	// UART (16550): the registers written, and THRE interrupt pending.
	ier, lcr, mcr, scr, dll byte
	thrIPending             bool
}

func (s *devState) clone() *devState {
	c := *s
	c.prio = map[int]uint32{}
	for k, v := range s.prio {
		c.prio[k] = v
	}
	return &c
}

// uartLevel is the UART's interrupt output: only the THRE interrupt can
// be active here (no input, no loopback, so no RX, line or modem status).
func (s *devState) uartLevel() bool { return s.ier&0x02 != 0 && s.thrIPending }

// gateway applies the PLIC gateway to the UART's level (PLIC spec §1.4):
// a high level pends the source unless it is pending or in flight.
func (s *devState) gateway() {
	if s.uartLevel() && !s.pending && !s.inFlight {
		s.pending = true
	}
}

// best is what a claim by ctx returns: the UART's ID when it is pending,
// enabled for ctx and above ctx's threshold, else 0.
func (s *devState) best(ctx int) uint64 {
	if s.pending && !s.inFlight && s.enable[ctx]>>spec.UARTIRQ&1 != 0 && s.prio[spec.UARTIRQ] > s.threshold[ctx] {
		return spec.UARTIRQ
	}
	return 0
}

func (s *devState) mip() uint64 {
	var v uint64
	if s.msip {
		v |= spec.MipMSIP
	}
	if s.mtime >= s.mtimecmp {
		v |= spec.MipMTIP
	}
	if s.best(0) != 0 {
		v |= spec.MipMEIP
	}
	if s.best(1) != 0 {
		v |= spec.MipSEIP
	}
	return v
}

// cmd builds a gopter command from its protocol.
type cmd struct {
	name string
	acc  func(s *devState) access
	pre  func(s *devState) bool
	next func(s *devState) // mutates a clone
	want func(s *devState) (uint64, bool)
	mask uint64 // bits of the result compared (0: all)
}

func (c *cmd) Run(sut commands.SystemUnderTest) commands.Result {
	// The access depends only on the command's parameters, fixed at
	// generation; PreCondition saw the state it needs.
	return sut.(*guestSUT).do(c.acc(nil))
}

func (c *cmd) NextState(st commands.State) commands.State {
	s := st.(*devState).clone()
	if c.next != nil {
		c.next(s)
	}
	s.gateway()
	return s
}

func (c *cmd) PreCondition(st commands.State) bool { return c.pre == nil || c.pre(st.(*devState)) }

// PostCondition gets the state before the command (gopter passes the
// state NextState returned, so the expected value is computed from a
// state in which the command's own effect has already happened; want
// is written for that).
func (c *cmd) PostCondition(st commands.State, res commands.Result) *gopter.PropResult {
	obs := res.(observed)
	if obs.trap {
		msg := fmt.Sprintf("%s trapped (cause %d)", c.name, int64(obs.cause))
		return &gopter.PropResult{Status: gopter.PropError, Error: errors.New(msg), Labels: []string{msg}}
	}
	if c.want == nil {
		return &gopter.PropResult{Status: gopter.PropTrue}
	}
	want, ok := c.want(st.(*devState))
	if !ok {
		return &gopter.PropResult{Status: gopter.PropTrue}
	}
	got := obs.value
	if c.mask != 0 {
		got &= c.mask
	}
	if got != want {
		msg := fmt.Sprintf("%s: read %#x, the model says %#x", c.name, got, want)
		return &gopter.PropResult{Status: gopter.PropFalse, Error: errors.New(msg), Labels: []string{msg}}
	}
	return &gopter.PropResult{Status: gopter.PropTrue}
}

func (c *cmd) String() string { return c.name }

const (
	clintMsip     = spec.CLINTBase + spec.CLINTMsip
	clintMtimecmp = spec.CLINTBase + spec.CLINTMtimecmp
	clintMtime    = spec.CLINTBase + spec.CLINTMtime
	plicEnable    = spec.PLICBase + 0x2000
	plicContext   = spec.PLICBase + 0x200000
	uartReg       = spec.UARTBase
)

func mmioStore(addr uint64, size int, v uint64) func(*devState) access {
	return func(*devState) access { return access{addr: addr, size: size, store: true, value: v} }
}

func mmioLoad(addr uint64, size int) func(*devState) access {
	return func(*devState) access { return access{addr: addr, size: size} }
}

// pair combines two generators into one command.
func pair(a, b gopter.Gen, f func(a, b any) commands.Command) gopter.Gen {
	return gopter.CombineGens(a, b).Map(func(v []any) commands.Command { return f(v[0], v[1]) })
}

func dlab(s *devState) bool   { return s.lcr&0x80 != 0 }
func noDlab(s *devState) bool { return !dlab(s) }

// deviceCommands generates the commands; values come from gopter, and the
// protocol (what may be done when, and what it does) sits in each one.
func deviceCommands(st commands.State) gopter.Gen {
	u64 := gen.UInt64()
	u8 := gen.UInt8()
	ctx := gen.IntRange(0, 1)
	src := gen.OneConstOf(1, spec.UARTIRQ, 95)
	return gen.OneGenOf(
		// CLINT
		u64.Map(func(v uint64) commands.Command {
			return &cmd{name: fmt.Sprintf("msip <- %#x", v&0xffffffff), acc: mmioStore(clintMsip, 4, v&0xffffffff),
				next: func(s *devState) { s.msip = v&1 != 0 }}
		}),
		gen.Const(&cmd{name: "msip ->", acc: mmioLoad(clintMsip, 4), want: func(s *devState) (uint64, bool) {
			if s.msip {
				return 1, true
			}
			return 0, true
		}}),
		u64.Map(func(v uint64) commands.Command {
			return &cmd{name: fmt.Sprintf("mtimecmp <- %#x", v), acc: mmioStore(clintMtimecmp, 8, v), next: func(s *devState) { s.mtimecmp = v }}
		}),
		u64.Map(func(v uint64) commands.Command {
			v &= 0xffffffff
			return &cmd{name: fmt.Sprintf("mtimecmp.hi <- %#x", v), acc: mmioStore(clintMtimecmp+4, 4, v),
				next: func(s *devState) { s.mtimecmp = s.mtimecmp&0xffffffff | v<<32 }}
		}),
		gen.Const(&cmd{name: "mtimecmp ->", acc: mmioLoad(clintMtimecmp, 8), want: func(s *devState) (uint64, bool) { return s.mtimecmp, true }}),
		gen.Const(&cmd{name: "mtimecmp.lo ->", acc: mmioLoad(clintMtimecmp, 4), want: func(s *devState) (uint64, bool) { return s.mtimecmp & 0xffffffff, true }}),
		gen.UInt64Range(0, 1<<20).Map(func(v uint64) commands.Command {
			return &cmd{name: fmt.Sprintf("mtime <- %#x", v), acc: mmioStore(clintMtime, 8, v), next: func(s *devState) { s.mtime = v }}
		}),
		gen.Const(&cmd{name: "mtime ->", acc: mmioLoad(clintMtime, 8), want: func(s *devState) (uint64, bool) { return s.mtime, true }}),
		gen.Const(&cmd{name: "mip ->", acc: func(*devState) access { return access{csr: spec.CSRMip} },
			mask: spec.MipMSIP | spec.MipMTIP | spec.MipMEIP | spec.MipSEIP, want: func(s *devState) (uint64, bool) { return s.mip(), true }}),

		// PLIC
		pair(src, u64, func(a, b any) commands.Command {
			id, v := a.(int), b.(uint64)
			v &= 0xffffffff
			return &cmd{name: fmt.Sprintf("priority[%d] <- %d", id, v), acc: mmioStore(spec.PLICBase+4*uint64(id), 4, v),
				next: func(s *devState) { s.prio[id] = uint32(v % 8) }} // 3 priority bits: WARL keeps the low 3
		}),
		src.Map(func(id int) commands.Command {
			return &cmd{name: fmt.Sprintf("priority[%d] ->", id), acc: mmioLoad(spec.PLICBase+4*uint64(id), 4),
				want: func(s *devState) (uint64, bool) { return uint64(s.prio[id]), true }}
		}),
		pair(ctx, u64, func(a, b any) commands.Command {
			c, v := a.(int), b.(uint64)
			v &= 0xfffffffe // source 0 does not exist
			return &cmd{name: fmt.Sprintf("enable[%d] <- %#x", c, v), acc: mmioStore(plicEnable+0x80*uint64(c), 4, v),
				next: func(s *devState) { s.enable[c] = uint32(v) }}
		}),
		ctx.Map(func(c int) commands.Command {
			return &cmd{name: fmt.Sprintf("enable[%d] ->", c), acc: mmioLoad(plicEnable+0x80*uint64(c), 4),
				want: func(s *devState) (uint64, bool) { return uint64(s.enable[c]), true }}
		}),
		pair(ctx, gen.UInt64Range(0, 9), func(a, b any) commands.Command {
			c, v := a.(int), b.(uint64)
			return &cmd{name: fmt.Sprintf("threshold[%d] <- %d", c, v), acc: mmioStore(plicContext+0x1000*uint64(c), 4, v),
				next: func(s *devState) { s.threshold[c] = uint32(v % 8) }}
		}),
		ctx.Map(func(c int) commands.Command {
			return &cmd{name: fmt.Sprintf("threshold[%d] ->", c), acc: mmioLoad(plicContext+0x1000*uint64(c), 4),
				want: func(s *devState) (uint64, bool) { return uint64(s.threshold[c]), true }}
		}),
		gen.Const(&cmd{name: "pending[0] ->", acc: mmioLoad(spec.PLICBase+0x1000, 4), want: func(s *devState) (uint64, bool) {
			if s.pending {
				return 1 << spec.UARTIRQ, true
			}
			return 0, true
		}}),
		ctx.Map(func(c int) commands.Command {
			// The claim's value is decided before its effect: the command
			// records it in NextState for PostCondition.
			var claimed uint64
			return &cmd{name: fmt.Sprintf("claim[%d] ->", c), acc: mmioLoad(plicContext+0x1000*uint64(c)+4, 4),
				next: func(s *devState) {
					claimed = s.best(c)
					if claimed != 0 {
						s.pending, s.inFlight = false, true
					}
				},
				want: func(*devState) (uint64, bool) { return claimed, true }}
		}),
		ctx.Map(func(c int) commands.Command {
			return &cmd{name: fmt.Sprintf("complete[%d] <- %d", c, spec.UARTIRQ), acc: mmioStore(plicContext+0x1000*uint64(c)+4, 4, spec.UARTIRQ),
				// PLIC spec §9: a completion for a source not enabled for
				// the context is ignored.
				next: func(s *devState) {
					if s.inFlight && s.enable[c]>>spec.UARTIRQ&1 != 0 {
						s.inFlight = false
					}
				}}
		}),

		// UART (byte registers; DLAB selects DLL/DLM at 0 and 1)
		u8.Map(func(v uint8) commands.Command {
			return &cmd{name: fmt.Sprintf("ier <- %#x", v), acc: mmioStore(uartReg+1, 1, uint64(v)), pre: noDlab,
				next: func(s *devState) {
					old := s.ier
					s.ier = v & 0x0f
					// Enabling the THRE interrupt while THR is empty
					// (always, here) raises it (QEMU serial.c, IER write).
					if old&0x02 == 0 && s.ier&0x02 != 0 {
						s.thrIPending = true
					}
				}}
		}),
		gen.Const(&cmd{name: "ier ->", acc: mmioLoad(uartReg+1, 1), pre: noDlab, want: func(s *devState) (uint64, bool) { return uint64(s.ier), true }}),
		u8.Map(func(v uint8) commands.Command {
			// Reading IIR while it reports THRE clears that interrupt.
			var iir uint64
			return &cmd{name: "iir ->", acc: mmioLoad(uartReg+2, 1),
				next: func(s *devState) {
					iir = 0x01
					if s.uartLevel() {
						iir = 0x02
						s.thrIPending = false
					}
				},
				want: func(*devState) (uint64, bool) { return iir, true }}
		}),
		u8.Map(func(v uint8) commands.Command {
			return &cmd{name: fmt.Sprintf("thr <- %#x", v), acc: mmioStore(uartReg, 1, uint64(v)), pre: noDlab,
				next: func(s *devState) { s.thrIPending = true }} // sent at once: THR empty again
		}),
		u8.Map(func(v uint8) commands.Command {
			return &cmd{name: fmt.Sprintf("lcr <- %#x", v), acc: mmioStore(uartReg+3, 1, uint64(v)), next: func(s *devState) { s.lcr = v }}
		}),
		gen.Const(&cmd{name: "lcr ->", acc: mmioLoad(uartReg+3, 1), want: func(s *devState) (uint64, bool) { return uint64(s.lcr), true }}),
		u8.Map(func(v uint8) commands.Command {
			v &= 0x0f // no loopback: the model has no receiver
			return &cmd{name: fmt.Sprintf("mcr <- %#x", v), acc: mmioStore(uartReg+4, 1, uint64(v)), next: func(s *devState) { s.mcr = v }}
		}),
		gen.Const(&cmd{name: "mcr ->", acc: mmioLoad(uartReg+4, 1), want: func(s *devState) (uint64, bool) { return uint64(s.mcr), true }}),
		gen.Const(&cmd{name: "lsr ->", acc: mmioLoad(uartReg+5, 1), want: func(*devState) (uint64, bool) { return 0x60, true }}), // THRE|TEMT, no data
		u8.Map(func(v uint8) commands.Command {
			return &cmd{name: fmt.Sprintf("scr <- %#x", v), acc: mmioStore(uartReg+7, 1, uint64(v)), next: func(s *devState) { s.scr = v }}
		}),
		gen.Const(&cmd{name: "scr ->", acc: mmioLoad(uartReg+7, 1), want: func(s *devState) (uint64, bool) { return uint64(s.scr), true }}),
		u8.Map(func(v uint8) commands.Command {
			return &cmd{name: fmt.Sprintf("dll <- %#x", v), acc: mmioStore(uartReg, 1, uint64(v)), pre: dlab, next: func(s *devState) { s.dll = v }}
		}),
		gen.Const(&cmd{name: "dll ->", acc: mmioLoad(uartReg, 1), pre: dlab, want: func(s *devState) (uint64, bool) { return uint64(s.dll), true }}),
	)
}

// Reset values: the UART's divisor latch is QEMU's reset value (0x0c,
// 9600 baud at 1.8432 MHz: serial_reset sets divider = 0x0C), and MCR
// is OUT2 (serial_reset: s->mcr = UART_MCR_OUT2).
func initialDevState() *devState {
	return &devState{prio: map[int]uint32{}, dll: 0x0c, mcr: 0x08}
}

func devicePropertyOn(t *testing.T, target string) {
	if _, err := targets.Lookup(target); err != nil {
		t.Fatal(err)
	}
	cmds := &commands.ProtoCommands{
		NewSystemUnderTestFunc: func(commands.State) commands.SystemUnderTest { return &guestSUT{target: target} },
		InitialStateGen:        gen.Const(initialDevState()),
		GenCommandFunc:         deviceCommands,
	}
	params := gopter.DefaultTestParametersWithSeed(1)
	params.MinSuccessfulTests = 100
	params.MaxSize = 24
	props := gopter.NewProperties(params)
	props.Property("CLINT, PLIC and UART follow their protocols on "+target, commands.Prop(cmds))
	props.TestingRun(t)
}

func TestDevicesRef(t *testing.T)    { devicePropertyOn(t, "ref") }
func TestDevicesEngine(t *testing.T) { devicePropertyOn(t, "engine") }
