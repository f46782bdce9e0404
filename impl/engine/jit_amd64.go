//go:build linux && !race

package engine

// The amd64 translator: a block becomes straight-line x86-64 code. See
// jit.go for the contract. Registers while the code runs:
//
//	RDI  the *Hart: guest registers (Hart.x) and jitCtx are addressed off it
//	R15  what is left of the budget (jitCtx.left, written back on return)
//	RBX, RSI, R8-R13  guest registers allocated to the block (regAlloc)
//	RAX, RCX, RDX  scratch
//
// RSP, RBP and R14 are never touched.

const (
	rAX = 0
	rCX = 1
	rDX = 2
	rBX = 3
	rSI = 6
	rDI = 7
	r8  = 8
	r9  = 9
	r10 = 10
	r11 = 11
	r12 = 12
	r13 = 13
	r15 = 15
)

// allocRegs are the host registers that hold a block's most used guest
// registers, in the order they are handed out.
var allocRegs = [...]int{rBX, rSI, r8, r9, r10, r11, r12, r13}

// jitOffsets are the byte offsets from a *Hart of its x array and of its
// jitCtx's fields (set by jit_unsafe.go), and of a block's fields.
var jitOffsets struct {
	x                                                        int32
	base, gen, loadTLB, storeTLB, n, next, left, blocks, cur int32
	blkLen, blkCode                                          int32 // in a block
}

type x86 struct {
	b     []byte
	stubs []x86stub
	start uint16 // the block's page offset
	body  int    // where the code after the entry's register loads starts
	size  int    // the block's length in instructions

	// host[r] is the host register that holds guest register r for the
	// whole block, or -1 (it stays in Hart.x). Allocated registers are
	// loaded on entry; the allocated ones the block writes (dirty) are
	// written back on every way out.
	host  [33]int8
	alloc []uint8
	dirty []uint8
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

// mem emits [prefix] [rex] op... modrm(mod=10) [sib] disp32 for reg,
// [base+disp]; base is never RSP. w selects a 64-bit operand.
func (a *x86) mem(w bool, prefix byte, op []byte, reg, base int, disp int32) {
	if prefix != 0 {
		a.bytes(prefix)
	}
	a.rex(w, reg, base)
	a.bytes(op...)
	a.bytes(0x80 | byte(reg&7)<<3 | byte(base&7))
	if base&7 == 4 { // R12 as a base needs a SIB byte
		a.bytes(0x24)
	}
	a.u32(uint32(disp))
}

// rr emits [rex] op modrm(mod=11) for reg, rm (both registers).
func (a *x86) rr(w bool, op []byte, reg, rm int) {
	a.rex(w, reg, rm)
	a.bytes(op...)
	a.bytes(0xc0 | byte(reg&7)<<3 | byte(rm&7))
}

func xoff(r uint8) int32 { return jitOffsets.x + int32(r)*8 }

// movRR: dst = src (64-bit).
func (a *x86) movRR(dst, src int) {
	if dst != src {
		a.rr(true, []byte{0x8b}, dst, src)
	}
}

// get: reg = x[r] (64-bit), from r's host register if it has one.
func (a *x86) get(reg int, r uint8) {
	switch {
	case r == 0:
		a.rr(false, []byte{0x33}, reg, reg) // xor reg32, reg32
	case a.host[r] >= 0:
		a.movRR(reg, int(a.host[r]))
	default:
		a.mem(true, 0, []byte{0x8b}, reg, rDI, xoff(r))
	}
}

// put: x[r] = reg; a write to the sink register (x0) is dropped.
func (a *x86) put(r uint8, reg int) {
	switch {
	case r == xSink:
	case a.host[r] >= 0:
		a.movRR(int(a.host[r]), reg)
	default:
		a.mem(true, 0, []byte{0x89}, reg, rDI, xoff(r))
	}
}

// rmX emits op with reg in the modrm reg field (or the digit) and guest
// register r as its r/m operand: r's host register, or x[r] in memory.
func (a *x86) rmX(w bool, prefix byte, op []byte, reg int, r uint8) {
	if r != 0 && a.host[r] >= 0 {
		if prefix != 0 {
			a.bytes(prefix)
		}
		a.rr(w, op, reg, int(a.host[r]))
		return
	}
	a.mem(w, prefix, op, reg, rDI, xoff(r)) // x[0] is always 0 in memory
}

// ctx emits op reg, [jitCtx field at off] (or the reverse, per op).
func (a *x86) ctx(w bool, op []byte, reg int, off int32) { a.mem(w, 0, op, reg, rDI, off) }

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

// ctxImm: qword [ctx field at off] = sign-extended imm32.
func (a *x86) ctxImm(off int32, imm int32) {
	a.mem(true, 0, []byte{0xc7}, 0, rDI, off)
	a.u32(uint32(imm))
}

// writeBack stores the allocated guest registers the block writes into
// Hart.x (movs: the flags survive).
func (a *x86) writeBack() {
	for _, r := range a.dirty {
		a.mem(true, 0, []byte{0x89}, int(a.host[r]), rDI, xoff(r))
	}
}

// retire subtracts n completed instructions from the budget (R15).
func (a *x86) retire(n int) {
	if n > 0 {
		a.aluImm(true, 5, r15, int32(n)) // sub r15, n
	}
}

// ret hands the budget back in ctx.left and returns to fast.
func (a *x86) ret() {
	a.ctx(true, []byte{0x89}, r15, jitOffsets.left) // mov [left], r15
	a.bytes(0xc3)
}

// exit stops in the middle of the block: n of its instructions
// completed; fast interprets the rest.
func (a *x86) exit(n int) {
	a.writeBack()
	a.retire(n)
	a.ctxImm(jitOffsets.n, int32(n))
	a.ctxImm(jitOffsets.cur, int32(a.start))
	a.ret()
}

// done ends the block with all n of its instructions completed and the
// registers written back, and chains. When the next page offset is known
// (known), done sets ctx.next to it; else ctx.next holds it already.
// When the next block is in this page, is compiled and fits what is left
// of the budget, it jumps straight to its code; otherwise it returns to
// fast with ctx.n = -1.
func (a *x86) done(n int, next int64, known bool) {
	a.retire(n)
	var fix []int
	if known {
		a.ctxImm(jitOffsets.next, int32(next))
		if next < 0 || next >= 4096 { // another page
			a.ctxImm(jitOffsets.n, -1)
			a.ret()
			return
		}
		a.ctx(true, []byte{0x8b}, rCX, jitOffsets.blocks)
		a.mem(true, 0, []byte{0x8b}, rCX, rCX, int32(next)*4) // mov rcx, blocks[next>>1]
	} else {
		a.ctx(true, []byte{0x8b}, rAX, jitOffsets.next) // mov rax, [next]
		a.aluImm(true, 7, rAX, 4096)                    // cmp rax, 4096
		fix = append(fix, a.jccFwd(ccAE))               // another page
		a.ctx(true, []byte{0x8b}, rCX, jitOffsets.blocks)
		a.bytes(0x48, 0x8b, 0x0c, 0x81) // mov rcx, [rcx+rax*4]: blocks[next>>1]
	}
	a.bytes(0x48, 0x85, 0xc9)        // test rcx, rcx
	fix = append(fix, a.jccFwd(ccE)) // no block yet
	a.mem(true, 0, []byte{0x8b}, rDX, rCX, jitOffsets.blkLen)
	a.rr(true, []byte{0x3b}, rDX, r15) // cmp len, r15
	fix = append(fix, a.jccFwd(ccA))   // past the budget
	a.mem(true, 0, []byte{0x8b}, rAX, rCX, jitOffsets.blkCode)
	a.bytes(0x48, 0x85, 0xc0)        // test rax, rax
	fix = append(fix, a.jccFwd(ccE)) // not compiled
	a.bytes(0xff, 0xe0)              // jmp rax
	for _, f := range fix {
		a.patch(f)
	}
	a.ctxImm(jitOffsets.n, -1)
	a.ret()
}

// divide emits a division or remainder (Unprivileged spec §7.2, Table
// 7.1): a zero divisor and the signed overflow (divisor -1, where x86's
// idiv would fault on the most negative dividend) take their own paths.
func (a *x86) divide(d *inst) {
	w := d.op == opDIV || d.op == opDIVU || d.op == opREM || d.op == opREMU
	signed := d.op == opDIV || d.op == opREM || d.op == opDIVW || d.op == opREMW
	rem := d.op == opREM || d.op == opREMU || d.op == opREMW || d.op == opREMUW
	a.get(rCX, d.rs2)
	a.rr(w, []byte{0x85}, rCX, rCX) // test rcx, rcx
	zero := a.jccFwd(ccE)
	var ends []int
	if signed {
		a.aluImm(w, 7, rCX, -1) // cmp rcx, -1
		normal := a.jccFwd(ccNE)
		// x / -1 = -x (wrapping), x % -1 = 0
		if rem {
			a.rr(false, []byte{0x33}, rAX, rAX) // xor eax, eax
		} else {
			a.get(rAX, d.rs1)
			a.rr(w, []byte{0xf7}, 3, rAX) // neg
			if !w {
				a.sext32()
			}
		}
		ends = append(ends, a.jmpFwd())
		a.patch(normal)
		a.get(rAX, d.rs1)
		if w {
			a.bytes(0x48, 0x99) // cqo
		} else {
			a.bytes(0x99) // cdq
		}
		a.rr(w, []byte{0xf7}, 7, rCX) // idiv rcx
	} else {
		a.get(rAX, d.rs1)
		a.rr(false, []byte{0x33}, rDX, rDX) // xor edx, edx
		a.rr(w, []byte{0xf7}, 6, rCX)       // div rcx
	}
	if rem {
		a.movRR(rAX, rDX)
	}
	if !w {
		a.sext32()
	}
	ends = append(ends, a.jmpFwd())
	a.patch(zero)
	// x / 0 = all ones, x % 0 = x (W forms: sign-extended from 32 bits)
	if rem {
		a.get(rAX, d.rs1)
		if !w {
			a.sext32()
		}
	} else {
		a.rr(true, []byte{0xc7}, 0, rAX) // mov rax, -1
		a.u32(0xffffffff)
	}
	for _, e := range ends {
		a.patch(e)
	}
	a.put(d.rd, rAX)
}

// jmpFwd emits a jump forward and returns where to patch it.
func (a *x86) jmpFwd() int {
	a.bytes(0xe9)
	a.u32(0)
	return len(a.b) - 4
}

// jumpTo ends the block after its n instructions, at a known page
// offset next. A jump back to the block's own start (a loop that is one
// block) runs the block again right away when the budget holds another
// run of it, with the guest registers still in their host registers:
// nothing can change a block while compiled code runs (a store to a code
// page always misses the TLB, tlbSlowFlag), so the block is still the
// one at its start. Otherwise it writes the registers back and chains.
func (a *x86) jumpTo(n int, next int64) {
	if next == int64(a.start) {
		a.retire(n)
		a.aluImm(true, 7, r15, int32(a.size)) // cmp r15, size
		skip := a.jccFwd(ccB)                 // the budget ends within it
		a.bytes(0xe9)                         // jmp body
		a.u32(uint32(a.body - (len(a.b) + 4)))
		a.patch(skip)
		a.writeBack()
		a.done(0, next, true)
		return
	}
	a.writeBack()
	a.done(n, next, true)
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

// regAlloc gives the guest registers the first n instructions of b use
// most (two uses or more) a host register each, most used first.
func (a *x86) regAlloc(insts []inst) {
	var uses, writes [33]int
	for i := range insts {
		d := &insts[i]
		uses[d.rs1]++
		uses[d.rs2]++
		if d.op.writesRd() {
			uses[d.rd]++
			writes[d.rd]++
		}
	}
	uses[0] = 0 // x0 is never allocated: it reads as 0 from Hart.x
	for r := range a.host {
		a.host[r] = -1
	}
	for _, hr := range allocRegs {
		best := 0
		for r := 1; r < 32; r++ {
			if a.host[r] < 0 && uses[r] >= 2 && uses[r] > uses[best] {
				best = r
			}
		}
		if best == 0 {
			break
		}
		a.host[best] = int8(hr)
		a.alloc = append(a.alloc, uint8(best))
		if writes[best] > 0 {
			a.dirty = append(a.dirty, uint8(best))
		}
	}
}

// jitTranslate returns the machine code of b, or nil when its first
// instruction is not translated (nothing would be gained).
func jitTranslate(b *block) []byte {
	n := 0
	for i := range b.insts {
		d := &b.insts[i]
		if !ops[d.op].jit {
			break
		}
		n = i + 1
		if endsBlock[d.op] {
			break
		}
	}
	if n == 0 {
		return nil
	}
	a := &x86{start: b.start}
	a.regAlloc(b.insts[:n])
	for _, r := range a.alloc {
		a.mem(true, 0, []byte{0x8b}, int(a.host[r]), rDI, xoff(r))
	}
	a.body, a.size = len(a.b), len(b.insts)
	for i := range b.insts[:n] {
		a.inst(&b.insts[i], i)
	}
	if last := &b.insts[n-1]; !endsBlock[last.op] {
		if n == len(b.insts) {
			a.writeBack()
			a.done(n, int64(b.end), true)
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

// inst emits instruction i of a block, an op whose row in ops says jit. A
// control transfer emits the block's exit.
func (a *x86) inst(d *inst, i int) {
	imm := d.imm
	switch d.op {
	case opFENCE, opFENCEI:
	case opLUI:
		a.rr(true, []byte{0xc7}, 0, rAX)
		a.u32(uint32(imm))
		a.put(d.rd, rAX)
	case opAUIPC:
		a.ctx(true, []byte{0x8b}, rAX, jitOffsets.base)
		off := int32(d.off)
		if mutantEmit(mutJITAuipcOff) { // MUTANT HOOK (mutant.go): dead code without -tags vcheck_mutant
			off = 0
		}
		a.aluImm(true, 0, rAX, off+imm)
		a.put(d.rd, rAX)

	case opADDI, opXORI, opORI, opANDI:
		digit := map[op]int{opADDI: 0, opXORI: 6, opORI: 1, opANDI: 4}[d.op]
		a.get(rAX, d.rs1)
		a.aluImm(true, digit, rAX, imm)
		a.put(d.rd, rAX)
	case opSLTI, opSLTIU:
		a.get(rAX, d.rs1)
		a.aluImm(true, 7, rAX, imm)
		a.setcc(map[op]byte{opSLTI: ccL, opSLTIU: ccB}[d.op])
		a.put(d.rd, rAX)
	case opSLLI, opSRLI, opSRAI:
		a.get(rAX, d.rs1)
		a.shiftImm(true, map[op]int{opSLLI: 4, opSRLI: 5, opSRAI: 7}[d.op], rAX, uint8(imm&63))
		a.put(d.rd, rAX)
	case opADD, opSUB, opXOR, opOR, opAND:
		code := map[op]byte{opADD: 0x03, opSUB: 0x2b, opXOR: 0x33, opOR: 0x0b, opAND: 0x23}[d.op]
		a.get(rAX, d.rs1)
		a.rmX(true, 0, []byte{code}, rAX, d.rs2)
		a.put(d.rd, rAX)
	case opSLT, opSLTU:
		a.get(rAX, d.rs1)
		a.rmX(true, 0, []byte{0x3b}, rAX, d.rs2)
		a.setcc(map[op]byte{opSLT: ccL, opSLTU: ccB}[d.op])
		a.put(d.rd, rAX)
	case opSLL, opSRL, opSRA:
		a.get(rCX, d.rs2)
		a.get(rAX, d.rs1)
		a.rr(true, []byte{0xd3}, map[op]int{opSLL: 4, opSRL: 5, opSRA: 7}[d.op], rAX) // x86 masks the count to 6 bits
		a.put(d.rd, rAX)

	case opADDIW:
		a.get(rAX, d.rs1)
		a.aluImm(false, 0, rAX, imm)
		a.sext32()
		a.put(d.rd, rAX)
	case opSLLIW, opSRLIW, opSRAIW:
		a.get(rAX, d.rs1)
		a.shiftImm(false, map[op]int{opSLLIW: 4, opSRLIW: 5, opSRAIW: 7}[d.op], rAX, uint8(imm&31))
		a.sext32()
		a.put(d.rd, rAX)
	case opADDW, opSUBW:
		a.get(rAX, d.rs1)
		a.rmX(false, 0, []byte{map[op]byte{opADDW: 0x03, opSUBW: 0x2b}[d.op]}, rAX, d.rs2)
		if d.op != opADDW || !mutantEmit(mutJITAddwSext) { // MUTANT HOOK (mutant.go)
			a.sext32()
		}
		a.put(d.rd, rAX)
	case opSLLW, opSRLW, opSRAW:
		a.get(rCX, d.rs2)
		a.get(rAX, d.rs1)
		a.rr(false, []byte{0xd3}, map[op]int{opSLLW: 4, opSRLW: 5, opSRAW: 7}[d.op], rAX) // 5-bit count
		a.sext32()
		a.put(d.rd, rAX)

	case opMUL, opMULW:
		a.get(rAX, d.rs1)
		a.rmX(true, 0, []byte{0x0f, 0xaf}, rAX, d.rs2) // imul rax, x[rs2]
		if d.op == opMULW {
			a.sext32()
		}
		a.put(d.rd, rAX)
	case opMULH, opMULHU:
		a.get(rAX, d.rs1)
		a.rmX(true, 0, []byte{0xf7}, map[op]int{opMULH: 5, opMULHU: 4}[d.op], d.rs2) // rdx:rax = rax * x[rs2]
		a.put(d.rd, rDX)

	case opMULHSU:
		// hi(rs1 * rs2) with rs1 signed = hi unsigned - (rs1 < 0 ? rs2 : 0)
		a.get(rCX, d.rs1)
		a.movRR(rAX, rCX)
		a.rmX(true, 0, []byte{0xf7}, 4, d.rs2) // mul: rdx:rax = rax * x[rs2]
		a.shiftImm(true, 7, rCX, 63)           // sar rcx, 63
		a.rmX(true, 0, []byte{0x23}, rCX, d.rs2)
		a.rr(true, []byte{0x2b}, rDX, rCX) // sub rdx, rcx
		a.put(d.rd, rDX)
	case opDIV, opDIVU, opREM, opREMU, opDIVW, opDIVUW, opREMW, opREMUW:
		a.divide(d)

	case opLB, opLH, opLW, opLD, opLBU, opLHU, opLWU:
		size := loadSize[d.op]
		a.translate(d, i, jitOffsets.loadTLB, size)
		switch d.op {
		case opLB:
			a.mem(true, 0, []byte{0x0f, 0xbe}, rAX, rAX, 0)
		case opLBU:
			a.mem(false, 0, []byte{0x0f, 0xb6}, rAX, rAX, 0)
		case opLH:
			a.mem(true, 0, []byte{0x0f, 0xbf}, rAX, rAX, 0)
		case opLHU:
			a.mem(false, 0, []byte{0x0f, 0xb7}, rAX, rAX, 0)
		case opLW:
			a.mem(true, 0, []byte{0x63}, rAX, rAX, 0)
		case opLWU:
			a.mem(false, 0, []byte{0x8b}, rAX, rAX, 0)
		case opLD:
			a.mem(true, 0, []byte{0x8b}, rAX, rAX, 0)
		}
		a.put(d.rd, rAX)
	case opSB, opSH, opSW, opSD:
		size := storeSize[d.op]
		a.translate(d, i, jitOffsets.storeTLB, size)
		a.get(rCX, d.rs2)
		switch d.op {
		case opSB:
			a.mem(false, 0, []byte{0x88}, rCX, rAX, 0)
		case opSH:
			a.mem(false, 0x66, []byte{0x89}, rCX, rAX, 0)
		case opSW:
			a.mem(false, 0, []byte{0x89}, rCX, rAX, 0)
		case opSD:
			a.mem(true, 0, []byte{0x89}, rCX, rAX, 0)
		}

	case opJAL:
		a.ctx(true, []byte{0x8b}, rAX, jitOffsets.base)
		a.aluImm(true, 0, rAX, int32(d.off)+int32(d.len))
		a.put(d.rd, rAX)
		a.jumpTo(i+1, int64(d.off)+int64(imm))
	case opJALR:
		a.get(rCX, d.rs1)
		a.aluImm(true, 0, rCX, imm)
		a.aluImm(true, 4, rCX, -2) // &^ 1
		a.ctx(true, []byte{0x8b}, rAX, jitOffsets.base)
		a.ctx(true, []byte{0x2b}, rCX, jitOffsets.base) // target - base
		a.aluImm(true, 0, rAX, int32(d.off)+int32(d.len))
		a.put(d.rd, rAX) // after rs1 was read: rd may be rs1
		a.ctx(true, []byte{0x89}, rCX, jitOffsets.next)
		a.writeBack()
		a.done(i+1, 0, false)
	case opBEQ, opBNE, opBLT, opBGE, opBLTU, opBGEU:
		a.get(rAX, d.rs1)
		a.rmX(true, 0, []byte{0x3b}, rAX, d.rs2)
		cc := map[op]byte{opBEQ: ccE, opBNE: ccNE, opBLT: ccL, opBGE: ccGE, opBLTU: ccB, opBGEU: ccAE}[d.op]
		if d.op == opBLT && mutantEmit(mutJITBltU) { // MUTANT HOOK (mutant.go)
			cc = ccB
		}
		taken := a.jccFwd(cc)
		a.jumpTo(i+1, int64(d.off)+int64(d.len))
		a.patch(taken)
		a.jumpTo(i+1, int64(d.off)+int64(imm))
	default:
		panic("engine: jit: untranslated op " + d.op.String())
	}
}

// translate emits the TLB lookup of fast's load and store cases for the
// access of d (address x[rs1]+imm, size bytes) through the TLB at ctx
// offset tlb: on a hit RAX holds the host address; on a miss, or when
// the access would leave the page, the code exits reporting i completed.
//
// One compare does both checks: the entry is picked by the page of the
// first byte and its tag compared with the page of the last byte, so an
// access that crosses the page end compares with the next page's number,
// which no entry in this slot can hold (a slot only holds pages whose low
// bits are its index). It leaves RCX, RDX and R8 free.
func (a *x86) translate(d *inst, i int, tlb int32, size uint64) {
	a.lea(rAX, d.rs1, d.imm)                              // rax = x[rs1] + imm
	a.mem(true, 0, []byte{0x8d}, rDX, rAX, int32(size-1)) // lea rdx, [rax+size-1]
	a.shiftImm(true, 5, rDX, 12)                          // shr rdx, 12
	a.rr(false, []byte{0x89}, rAX, rCX)                   // mov ecx, eax
	a.shiftImm(false, 5, rCX, 8)                          // shr ecx, 8
	a.aluImm(false, 4, rCX, (tlbSize-1)<<4)               // and ecx, (tlbSize-1)<<4 (16-byte entries)
	a.ctx(true, []byte{0x0b}, rDX, jitOffsets.gen)        // or rdx, gen
	a.ctx(true, []byte{0x03}, rCX, tlb)                   // add rcx, tlb
	a.mem(true, 0, []byte{0x3b}, rDX, rCX, 0)             // cmp rdx, [rcx].tag
	a.jccStub(ccNE, i)                                    //
	a.mem(true, 0, []byte{0x03}, rAX, rCX, 8)             // add rax, [rcx].host
}

// lea: reg = x[r] + imm.
func (a *x86) lea(reg int, r uint8, imm int32) {
	if r != 0 && a.host[r] >= 0 {
		a.mem(true, 0, []byte{0x8d}, reg, int(a.host[r]), imm) // lea reg, [host+imm]
		return
	}
	a.get(reg, r)
	if imm != 0 {
		a.aluImm(true, 0, reg, imm)
	}
}
