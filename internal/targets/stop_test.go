package targets

import (
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

// stopPrograms end in every way a run can stop (docs/retire.md, "Stop
// reasons"), each with the Exit every Runner must return from Run.
var stopPrograms = []struct {
	name   string
	harts  int
	src    string
	limit  uint64
	want   spec.Exit
	halted bool // Exit() reports the same (false: the limit; Exit() is Running)
}{
	{"finisher pass", 1, "li t0, 0x100000\nli t1, 0x5555\nsw t1, 0(t0)\n1: j 1b\n", 1000,
		spec.Exit{Reason: spec.HaltFinisher, Code: 0, Detail: "finisher: pass"}, true},
	{"finisher fail", 1, "li t0, 0x100000\nli t1, (7<<16)|0x3333\nsw t1, 0(t0)\n1: j 1b\n", 1000,
		spec.Exit{Reason: spec.HaltFinisher, Code: 7, Detail: "finisher: fail, code 7"}, true},
	{"finisher reset", 1, "li t0, 0x100000\nli t1, 0x7777\nsw t1, 0(t0)\n1: j 1b\n", 1000,
		spec.Exit{Reason: spec.HaltReset, Code: 0, Detail: "finisher: reset requested"}, true},
	{"htif", 1, "la t0, tohost\nli t1, 7\nsd t1, 0(t0)\n1: j 1b\n.data\n.align 3\n.globl tohost\ntohost: .dword 0\n.globl fromhost\nfromhost: .dword 0\n", 1000,
		spec.Exit{Reason: spec.HaltHTIF, Code: 3, Detail: "HTIF tohost=0x7: test 3 failed"}, true},
	{"limit", 1, "1: j 1b\n", 1000,
		spec.Exit{Reason: spec.HaltLimit, Code: -1, Detail: "instruction limit reached after 1000 steps (1000 retired)"}, false},
	{"limit, 2 harts", 2, "1: j 1b\n", 1001,
		spec.Exit{Reason: spec.HaltLimit, Code: -1, Detail: "instruction limit reached after 1001 steps (1001 retired)"}, false},
	{"trap loop", 1, "li t0, 0x1000000\ncsrw mtvec, t0\n.word 0\n", 100_000,
		spec.Exit{Reason: spec.HaltTrapLoop, Code: -1,
			Detail: "trap loop: hart 0 took 10000 traps in a row at pc 0x1000000 without retiring (instruction access fault, tval 0x1000000)"}, true},
	// Hart 1 loops on an illegal instruction at its vector while hart 0
	// spins: hart 1 is stopped, and the machine with it.
	{"trap loop, hart 1", 2, "csrr t0, mhartid\nbnez t0, 2f\n1: j 1b\n2: la t0, 3f\ncsrw mtvec, t0\n.align 2\n3: .word 0\n", 100_000,
		spec.Exit{Reason: spec.HaltTrapLoop, Code: -1}, true},
}

// TestStopReasonsAgree: every Runner stops every program of stopPrograms
// with the same reason, code and words, from Run; the limit leaves the
// machine running, every other stop halts it. A new target (the VMM) is
// held to the same rule by this test.
func TestStopReasonsAgree(t *testing.T) {
	for _, p := range stopPrograms {
		t.Run(p.name, func(t *testing.T) {
			obj, err := asm.Assemble(p.name+".S", []byte(".globl _start\n_start:\n"+p.src), asm.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg := spec.DefaultConfig()
			cfg.Harts = p.harts
			img, err := boot.Build(cfg, obj.Program(p.name), nil)
			if err != nil {
				t.Fatal(err)
			}
			var first spec.Exit
			ran := 0
			for _, name := range Names() {
				if strings.Contains(name, ":") {
					continue // needs an argument (an external implementation)
				}
				m, err := NewRunner(name, cfg, img)
				if err != nil {
					continue // compared only, not run
				}
				ran++
				got := m.Run(p.limit)
				if p.want.Detail != "" && got != p.want || got.Reason != p.want.Reason || got.Code != p.want.Code {
					t.Errorf("%s: Run(%d) = %+v\nwant %+v", name, p.limit, got, p.want)
				}
				if ran == 1 {
					first = got
				} else if got != first {
					t.Errorf("%s: Run(%d) = %+v, but the first target gave %+v: the words must agree", name, p.limit, got, first)
				}
				wantExit := got
				if !p.halted {
					wantExit = spec.Exit{}
				}
				if e := m.Exit(); e != wantExit {
					t.Errorf("%s: Exit() after Run = %+v, want %+v", name, e, wantExit)
				}
			}
			if ran < 2 {
				t.Fatalf("only %d runnable targets: %v", ran, Names())
			}
		})
	}
}

// TestTrapLoopNeedsTheSameTrap: traps that differ (here the tval of a
// load from a moving address) are progress of a kind, and no trap loop:
// the limit ends the run.
func TestTrapLoopNeedsTheSameTrap(t *testing.T) {
	// The handler adds 8 to a0 and returns to the faulting load, which
	// faults again at the next address; mepc never advances, nothing
	// retires at the load, but the handler retires: no loop. Without the
	// handler's retirement there would be none either: the tval moves.
	src := `.globl _start
_start:
	la t0, handler
	csrw mtvec, t0
	li a0, 0x1000000
1:	ld a1, 0(a0)
	j 1b
.align 2
handler:
	addi a0, a0, 8
	mret
`
	obj, err := asm.Assemble("moving.S", []byte(src), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(spec.DefaultConfig(), obj.Program("moving"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ref", "engine"} {
		m, err := NewRunner(name, spec.DefaultConfig(), img)
		if err != nil {
			t.Fatal(err)
		}
		if e := m.Run(50_000); e.Reason != spec.HaltLimit {
			t.Errorf("%s: %+v, want the limit", name, e)
		}
	}
}

func TestNewRunnerRefusesAStepOnlyTarget(t *testing.T) {
	Register("test-step-only", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		ref, err := New("ref", cfg, img)
		return stepOnly{ref}, err
	})
	obj, err := asm.Assemble("nop.S", []byte("nop\n"), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := boot.Build(spec.DefaultConfig(), obj.Program("nop"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewRunner("test-step-only", spec.DefaultConfig(), img); err == nil || !strings.Contains(err.Error(), "cannot run on its own") {
		t.Errorf("NewRunner of a step-only target: %v", err)
	}
}

// stepOnly hides a Runner's Run: a target as an external adapter is.
type stepOnly struct{ diff.Target }
