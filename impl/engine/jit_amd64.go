//go:build linux && !race

package engine

// The amd64 translator: a block becomes straight-line x86-64 code. See
// jit.go for the contract. Registers while the code runs:
//
//	RDI  &Hart.x[0]       RSI  *jitCtx
//	RAX, RCX, RDX, R8, R10: scratch
//
// RSP, RBP, RBX and R12-R15 are never touched.

const (
	rAX = 0
	rCX = 1
	rDX = 2
	rSI = 6
	rDI = 7
	r8  = 8
	r9  = 9
	r10 = 10
)

// jitOffsets are jitCtx's field offsets (set by jit_unsafe.go).
var jitOffsets struct {
	base, gen, loadTLB, storeTLB, ram, n, next, left, blocks, cur int32
	blkLen, blkCode                                               int32 // in a block
}

type x86 struct {
	b     []byte
	stubs []x86stub
	start uint16 // the block's page offset
}

// x86stub is an early exit: a jump at fix (a rel32 to patch) to code that
// reports n completed instructions.
type x86stub struct {
	fix int
	n   int
}

func (a *x86) bytes(bs ...byte) { a.b = append(a.b, bs...) }

func (a *x86) u32(v uint32) { a.b = append(a.b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }

// rex emits the REX prefix a 64-bit operand (w) or a register of r8-r15
// in the reg or rm/base field needs, if any.
func (a *x86) rex(w bool, reg, rm int) {
	rex := byte(0x40)
	if w {
		rex |= 8
	}
	if reg >= 8 {
		rex |= 4
	}
	if rm >= 8 {
		rex |= 1
	}
	if rex != 0x40 {
		a.bytes(rex)
	}
}

// mem emits [prefix] [rex] op... modrm(mod=10) disp32 for reg,
// [base+disp]; base is never RSP or R12 (no SIB needed). w selects a
// 64-bit operand.
func (a *x86) mem(w bool, prefix byte, op []byte, reg, base int, disp int32) {
	if prefix != 0 {
		a.bytes(prefix)
	}
	a.rex(w, reg, base)
	a.bytes(op...)
	a.bytes(0x80 | byte(reg&7)<<3 | byte(base&7))
	a.u32(uint32(disp))
}

// rr emits [rex] op modrm(mod=11) for reg, rm (both registers).
func (a *x86) rr(w bool, op []byte, reg, rm int) {
	a.rex(w, reg, rm)
	a.bytes(op...)
	a.bytes(0xc0 | byte(reg&7)<<3 | byte(rm&7))
}

func xoff(r uint8) int32 { return int32(r) * 8 }

// loadX: reg = x[r] (64-bit).
func (a *x86) loadX(reg int, r uint8) { a.mem(true, 0, []byte{0x8b}, reg, rDI, xoff(r)) }

// storeX: x[r] = reg.
func (a *x86) storeX(r uint8, reg int) { a.mem(true, 0, []byte{0x89}, reg, rDI, xoff(r)) }

// aluImm: op reg, imm32 (64-bit unless w is false). digit: add 0, or 1,
// and 4, sub 5, xor 6, cmp 7.
func (a *x86) aluImm(w bool, digit int, reg int, imm int32) {
	a.rr(w, []byte{0x81}, digit, reg)
	a.u32(uint32(imm))
}

// shiftImm: shl 4, shr 5, sar 7.
func (a *x86) shiftImm(w bool, digit int, reg int, n uint8) {
	a.rr(w, []byte{0xc1}, digit, reg)
	a.bytes(n)
}

// sext32 sign-extends eax into rax (movsxd rax, eax).
func (a *x86) sext32() { a.rr(true, []byte{0x63}, rAX, rAX) }

// setcc: al = cc; rax = zero-extended al.
func (a *x86) setcc(cc byte) {
	a.bytes(0x0f, 0x90|cc, 0xc0) // setcc al
	a.bytes(0x0f, 0xb6, 0xc0)    // movzx eax, al
}

// ctxImm: qword [rsi+off] = sign-extended imm32.
func (a *x86) ctxImm(off int32, imm int32) {
	a.mem(true, 0, []byte{0xc7}, 0, rSI, off)
	a.u32(uint32(imm))
}

// exit stops in the middle of the block: n of its instructions
// completed; fast interprets the rest.
func (a *x86) exit(n int) {
	if n > 0 {
		a.mem(true, 0, []byte{0x81}, 5, rSI, jitOffsets.left) // sub qword [left], n
		a.u32(uint32(n))
	}
	a.ctxImm(jitOffsets.n, int32(n))
	a.ctxImm(jitOffsets.cur, int32(a.start))
	a.bytes(0xc3)
}

// done ends the block with all n of its instructions completed and
// ctx.next set, and chains: when the next block is in this page, is
// compiled and fits what is left of the budget, it jumps straight to its
// code; otherwise it returns to fast with ctx.n = -1.
func (a *x86) done(n int) {
	a.mem(true, 0, []byte{0x81}, 5, rSI, jitOffsets.left) // sub qword [left], n
	a.u32(uint32(n))
	a.mem(true, 0, []byte{0x8b}, rAX, rSI, jitOffsets.next) // mov rax, [next]
	a.aluImm(true, 7, rAX, 4096)                            // cmp rax, 4096
	f1 := a.jccFwd(ccAE)                                    // another page
	a.mem(true, 0, []byte{0x8b}, rCX, rSI, jitOffsets.blocks)
	a.bytes(0x48, 0x8b, 0x0c, 0x81) // mov rcx, [rcx+rax*4]: blocks[next>>1]
	a.bytes(0x48, 0x85, 0xc9)       // test rcx, rcx
	f2 := a.jccFwd(ccE)             // no block yet
	a.mem(true, 0, []byte{0x8b}, rDX, rCX, jitOffsets.blkLen)
	a.mem(true, 0, []byte{0x3b}, rDX, rSI, jitOffsets.left) // cmp len, [left]
	f3 := a.jccFwd(ccA)                                     // past the budget
	a.mem(true, 0, []byte{0x8b}, rAX, rCX, jitOffsets.blkCode)
	a.bytes(0x48, 0x85, 0xc0) // test rax, rax
	f4 := a.jccFwd(ccE)       // not compiled
	a.bytes(0xff, 0xe0)       // jmp rax
	for _, f := range []int{f1, f2, f3, f4} {
		a.patch(f)
	}
	a.ctxImm(jitOffsets.n, -1)
	a.bytes(0xc3)
}

// jccFwd emits a conditional jump forward and returns where to patch it.
func (a *x86) jccFwd(cc byte) int {
	a.bytes(0x0f, 0x80|cc)
	a.u32(0)
	return len(a.b) - 4
}

// patch points the rel32 at fix to the current position.
func (a *x86) patch(fix int) {
	rel := len(a.b) - (fix + 4)
	a.b[fix], a.b[fix+1], a.b[fix+2], a.b[fix+3] = byte(rel), byte(rel>>8), byte(rel>>16), byte(rel>>24)
}

// jcc emits a conditional jump to an early exit reporting n.
func (a *x86) jccStub(cc byte, n int) {
	a.bytes(0x0f, 0x80|cc)
	a.stubs = append(a.stubs, x86stub{fix: len(a.b), n: n})
	a.u32(0)
}

// Condition codes.
const (
	ccB  = 0x2
	ccAE = 0x3
	ccE  = 0x4
	ccNE = 0x5
	ccA  = 0x7
	ccL  = 0xc
	ccGE = 0xd
)

// jitTranslate returns the machine code of b, or nil when its first
// instruction is not translated (nothing would be gained).
func jitTranslate(b *block) []byte {
	a := &x86{start: b.start}
	n := 0
	for i := range b.insts {
		d := &b.insts[i]
		if !ops[d.op].jit || !a.inst(d, i, b) {
			break
		}
		n = i + 1
		if endsBlock[d.op] {
			// A control transfer: inst emitted its own exit.
			break
		}
	}
	if n == 0 {
		return nil
	}
	if last := &b.insts[n-1]; !endsBlock[last.op] {
		if n == len(b.insts) {
			a.ctxImm(jitOffsets.next, int32(b.end))
			a.done(n)
		} else {
			a.exit(n)
		}
	}
	for _, s := range a.stubs {
		a.patch(s.fix)
		a.exit(s.n)
	}
	return a.b
}

// inst emits instruction i of b, an op whose row in ops says jit; false:
// not translated (the code stops before it). A control transfer emits the
// block's exit.
func (a *x86) inst(d *inst, i int, b *block) bool {
	imm := d.imm
	switch d.op {
	case opFENCE, opFENCEI:
	case opLUI:
		a.rr(true, []byte{0xc7}, 0, rAX)
		a.u32(uint32(imm))
		a.storeX(d.rd, rAX)
	case opAUIPC:
		a.mem(true, 0, []byte{0x8b}, rAX, rSI, jitOffsets.base)
		off := int32(d.off)
		if mutantEmit(mutJITAuipcOff) { // MUTANT HOOK (mutant.go): dead code without -tags vcheck_mutant
			off = 0
		}
		a.aluImm(true, 0, rAX, off+imm)
		a.storeX(d.rd, rAX)

	case opADDI, opXORI, opORI, opANDI:
		digit := map[op]int{opADDI: 0, opXORI: 6, opORI: 1, opANDI: 4}[d.op]
		a.loadX(rAX, d.rs1)
		a.aluImm(true, digit, rAX, imm)
		a.storeX(d.rd, rAX)
	case opSLTI, opSLTIU:
		a.loadX(rAX, d.rs1)
		a.aluImm(true, 7, rAX, imm)
		a.setcc(map[op]byte{opSLTI: ccL, opSLTIU: ccB}[d.op])
		a.storeX(d.rd, rAX)
	case opSLLI, opSRLI, opSRAI:
		a.loadX(rAX, d.rs1)
		a.shiftImm(true, map[op]int{opSLLI: 4, opSRLI: 5, opSRAI: 7}[d.op], rAX, uint8(imm&63))
		a.storeX(d.rd, rAX)
	case opADD, opSUB, opXOR, opOR, opAND:
		code := map[op]byte{opADD: 0x03, opSUB: 0x2b, opXOR: 0x33, opOR: 0x0b, opAND: 0x23}[d.op]
		a.loadX(rAX, d.rs1)
		a.mem(true, 0, []byte{code}, rAX, rDI, xoff(d.rs2))
		a.storeX(d.rd, rAX)
	case opSLT, opSLTU:
		a.loadX(rAX, d.rs1)
		a.mem(true, 0, []byte{0x3b}, rAX, rDI, xoff(d.rs2))
		a.setcc(map[op]byte{opSLT: ccL, opSLTU: ccB}[d.op])
		a.storeX(d.rd, rAX)
	case opSLL, opSRL, opSRA:
		a.loadX(rCX, d.rs2)
		a.loadX(rAX, d.rs1)
		a.rr(true, []byte{0xd3}, map[op]int{opSLL: 4, opSRL: 5, opSRA: 7}[d.op], rAX) // x86 masks the count to 6 bits
		a.storeX(d.rd, rAX)

	case opADDIW:
		a.loadX(rAX, d.rs1)
		a.aluImm(false, 0, rAX, imm)
		a.sext32()
		a.storeX(d.rd, rAX)
	case opSLLIW, opSRLIW, opSRAIW:
		a.loadX(rAX, d.rs1)
		a.shiftImm(false, map[op]int{opSLLIW: 4, opSRLIW: 5, opSRAIW: 7}[d.op], rAX, uint8(imm&31))
		a.sext32()
		a.storeX(d.rd, rAX)
	case opADDW, opSUBW:
		a.loadX(rAX, d.rs1)
		a.mem(false, 0, []byte{map[op]byte{opADDW: 0x03, opSUBW: 0x2b}[d.op]}, rAX, rDI, xoff(d.rs2))
		if d.op != opADDW || !mutantEmit(mutJITAddwSext) { // MUTANT HOOK (mutant.go)
			a.sext32()
		}
		a.storeX(d.rd, rAX)
	case opSLLW, opSRLW, opSRAW:
		a.loadX(rCX, d.rs2)
		a.loadX(rAX, d.rs1)
		a.rr(false, []byte{0xd3}, map[op]int{opSLLW: 4, opSRLW: 5, opSRAW: 7}[d.op], rAX) // 5-bit count
		a.sext32()
		a.storeX(d.rd, rAX)

	case opMUL, opMULW:
		a.loadX(rAX, d.rs1)
		a.mem(true, 0, []byte{0x0f, 0xaf}, rAX, rDI, xoff(d.rs2)) // imul rax, [x+rs2]
		if d.op == opMULW {
			a.sext32()
		}
		a.storeX(d.rd, rAX)
	case opMULH, opMULHU:
		a.loadX(rAX, d.rs1)
		a.mem(true, 0, []byte{0xf7}, map[op]int{opMULH: 5, opMULHU: 4}[d.op], rDI, xoff(d.rs2)) // rdx:rax = rax * [x+rs2]
		a.storeX(d.rd, rDX)

	case opLB, opLH, opLW, opLD, opLBU, opLHU, opLWU:
		size := loadSize[d.op]
		a.translate(d, i, jitOffsets.loadTLB, size)
		switch d.op {
		case opLB:
			a.mem(true, 0, []byte{0x0f, 0xbe}, rAX, rDX, 0)
		case opLBU:
			a.mem(false, 0, []byte{0x0f, 0xb6}, rAX, rDX, 0)
		case opLH:
			a.mem(true, 0, []byte{0x0f, 0xbf}, rAX, rDX, 0)
		case opLHU:
			a.mem(false, 0, []byte{0x0f, 0xb7}, rAX, rDX, 0)
		case opLW:
			a.mem(true, 0, []byte{0x63}, rAX, rDX, 0)
		case opLWU:
			a.mem(false, 0, []byte{0x8b}, rAX, rDX, 0)
		case opLD:
			a.mem(true, 0, []byte{0x8b}, rAX, rDX, 0)
		}
		a.storeX(d.rd, rAX)
	case opSB, opSH, opSW, opSD:
		size := storeSize[d.op]
		a.translate(d, i, jitOffsets.storeTLB, size)
		a.loadX(r10, d.rs2)
		switch d.op {
		case opSB:
			a.mem(false, 0, []byte{0x88}, r10, rDX, 0)
		case opSH:
			a.mem(false, 0x66, []byte{0x89}, r10, rDX, 0)
		case opSW:
			a.mem(false, 0, []byte{0x89}, r10, rDX, 0)
		case opSD:
			a.mem(true, 0, []byte{0x89}, r10, rDX, 0)
		}

	case opJAL:
		a.mem(true, 0, []byte{0x8b}, rAX, rSI, jitOffsets.base)
		a.aluImm(true, 0, rAX, int32(d.off)+int32(d.len))
		a.storeX(d.rd, rAX)
		a.ctxImm(jitOffsets.next, int32(d.off)+imm)
		a.done(i + 1)
	case opJALR:
		a.loadX(rCX, d.rs1)
		a.aluImm(true, 0, rCX, imm)
		a.aluImm(true, 4, rCX, -2) // &^ 1
		a.mem(true, 0, []byte{0x8b}, rAX, rSI, jitOffsets.base)
		a.mem(true, 0, []byte{0x2b}, rCX, rSI, jitOffsets.base) // target - base
		a.aluImm(true, 0, rAX, int32(d.off)+int32(d.len))
		a.storeX(d.rd, rAX) // after rs1 was read: rd may be rs1
		a.mem(true, 0, []byte{0x89}, rCX, rSI, jitOffsets.next)
		a.done(i + 1)
	case opBEQ, opBNE, opBLT, opBGE, opBLTU, opBGEU:
		a.loadX(rAX, d.rs1)
		a.mem(true, 0, []byte{0x3b}, rAX, rDI, xoff(d.rs2))
		cc := map[op]byte{opBEQ: ccE, opBNE: ccNE, opBLT: ccL, opBGE: ccGE, opBLTU: ccB, opBGEU: ccAE}[d.op]
		if d.op == opBLT && mutantEmit(mutJITBltU) { // MUTANT HOOK (mutant.go)
			cc = ccB
		}
		taken := a.jccFwd(cc)
		a.ctxImm(jitOffsets.next, int32(d.off)+int32(d.len))
		a.done(i + 1)
		a.patch(taken)
		a.ctxImm(jitOffsets.next, int32(d.off)+imm)
		a.done(i + 1)
	default:
		return false
	}
	return true
}

// translate emits the TLB lookup of fast's load and store cases for the
// access of d (address x[rs1]+imm, size bytes) through the TLB at ctx
// offset tlb: on a hit RDX holds the host address; on a miss, or when
// the access would leave the page, the code exits reporting i completed.
func (a *x86) translate(d *inst, i int, tlb int32, size uint64) {
	a.loadX(rAX, d.rs1)
	if d.imm != 0 {
		a.aluImm(true, 0, rAX, d.imm)
	}
	a.rr(true, []byte{0x89}, rAX, rDX)                     // mov rdx, rax
	a.shiftImm(true, 5, rDX, 12)                           // shr rdx, 12
	a.rr(false, []byte{0x89}, rDX, rCX)                    // mov ecx, edx
	a.aluImm(false, 4, rCX, tlbSize-1)                     // and ecx, 255
	a.shiftImm(false, 4, rCX, 4)                           // shl ecx, 4 (16-byte entries)
	a.mem(true, 0, []byte{0x0b}, rDX, rSI, jitOffsets.gen) // or rdx, gen
	a.mem(true, 0, []byte{0x8b}, r8, rSI, tlb)             // mov r8, tlb
	a.rr(true, []byte{0x01}, rCX, r8)                      // add r8, rcx
	a.mem(true, 0, []byte{0x3b}, rDX, r8, 0)               // cmp rdx, [r8].tag
	a.jccStub(ccNE, i)
	a.rr(false, []byte{0x89}, rAX, rDX)                    // mov edx, eax
	a.aluImm(false, 4, rDX, 0xfff)                         // and edx, 0xfff
	a.aluImm(false, 7, rDX, int32(4096-size))              // cmp edx, 4096-size
	a.jccStub(ccA, i)                                      // crosses the page end
	a.mem(true, 0, []byte{0x03}, rDX, r8, 8)               // add rdx, [r8].off
	a.mem(true, 0, []byte{0x03}, rDX, rSI, jitOffsets.ram) // add rdx, ram
}
