package engine

// The block compiler (JIT). A block that has run jitHot times is
// translated to host machine code, where the host supports it (amd64 on
// Linux: jit_amd64.go, jit_unsafe.go); elsewhere blocks are only
// interpreted (jit_other.go). Compiled code does what fast's switch does
// for the same instructions, on the same state:
//
//   - guest registers live in Hart.x; a block keeps the ones it uses most
//     in host registers (loaded on entry) and writes the ones it changed
//     back on every way out (the end, an early exit, a chain to the next
//     block), so Hart.x is exact whenever compiled code is not running;
//   - loads and stores look up the same TLB entries with the same tag and
//     page checks (tlbEntry.host gives the host address), and touch RAM
//     directly only on a hit;
//   - it stops before the first instruction it does not translate (an op
//     whose row in ops.go lacks jit: CSRs, division, MULHSU, system
//     instructions) or that misses the TLB, and
//     reports how many instructions it completed; fast interprets the rest
//     of the block from there, so every exit, trap and helper call goes
//     through the interpreter exactly as before.
//
// A block is compiled only when the whole of it fits the budget, so a
// budget still ends at the same instruction, and Step (budget 1) and Run
// stay equal (TestRunMatchesStep*).

// jitHot is how many times a block runs before it is compiled; short runs
// (fuzz programs, Step) never pay for compilation. Tests lower it.
var jitHot uint32 = 32

// jitSlice bounds the instructions one call of compiled code may run.
const jitSlice = 1 << 16

// jitMaxCode bounds one machine's compiled code; past it, blocks are
// interpreted.
const jitMaxCode = 32 << 20

// jitCtx is what compiled code reads and writes besides Hart.x; its field
// offsets are baked into the code (jit_unsafe.go).
type jitCtx struct {
	base     uint64             // the code page's virtual address
	gen      uint64             // h.tlbGen
	loadTLB  *[tlbSize]tlbEntry // h.loadTLB
	storeTLB *[tlbSize]tlbEntry // h.storeTLB
	blocks   *[2048]*block      // the code page's blocks, to chain through
	left     uint64             // out: what is left of the budget (in: callJIT's argument)
	n        uint64             // out: -1 when the last block completed, else how many of its instructions did
	cur      uint64             // out: the page offset of the block it stopped in (n != -1)
	next     uint64             // out: the next page offset (n == -1)
}

// jitState is a block's compilation state.
type jitState struct {
	hits  uint32  // runs so far, while not compiled
	tried bool    // compiled, or found not worth compiling
	code  uintptr // entry of the compiled code; 0 if none
}

// jitCompileBlock compiles b if the machine can, and marks it tried.
func (m *Machine) jitCompileBlock(b *block) {
	b.jit.tried = true
	if !m.jitOn {
		return
	}
	mutantCompiling(m) // MUTANT HOOK (mutant.go): empty without -tags vcheck_mutant
	code := jitTranslate(b)
	if code == nil {
		return
	}
	b.jit.code = m.jitInstall(code)
}

// JITSupported reports whether this build compiles hot blocks.
func JITSupported() bool { return jitSupported }

// SetJIT turns block compilation on or off (it is on by default where it
// is supported); off, every block is interpreted. Code compiled so far
// stays in use.
func (m *Machine) SetJIT(on bool) { m.jitOn = on && jitSupported }
