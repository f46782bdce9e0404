package refmodel

import "github.com/vcheck-dev/vcheck/spec"

// table maps each mnemonic of spec.Insts to its semantics. Compressed
// rows are not here: they run the semantics of their expansion (c.go).
var table = map[string]semantics{
	// RV64I
	"lui": (*Hart).lui, "auipc": (*Hart).auipc, "jal": (*Hart).jal, "jalr": (*Hart).jalr,
	"beq": (*Hart).beq, "bne": (*Hart).bne, "blt": (*Hart).blt, "bge": (*Hart).bge, "bltu": (*Hart).bltu, "bgeu": (*Hart).bgeu,
	"lb": (*Hart).lb, "lh": (*Hart).lh, "lw": (*Hart).lw, "ld": (*Hart).ld, "lbu": (*Hart).lbu, "lhu": (*Hart).lhu, "lwu": (*Hart).lwu,
	"sb": (*Hart).sb, "sh": (*Hart).sh, "sw": (*Hart).sw, "sd": (*Hart).sd,
	"addi": (*Hart).addi, "slti": (*Hart).slti, "sltiu": (*Hart).sltiu, "xori": (*Hart).xori, "ori": (*Hart).ori, "andi": (*Hart).andi,
	"slli": (*Hart).slli, "srli": (*Hart).srli, "srai": (*Hart).srai,
	"add": (*Hart).add, "sub": (*Hart).sub, "sll": (*Hart).sll, "slt": (*Hart).slt, "sltu": (*Hart).sltu,
	"xor": (*Hart).xor, "srl": (*Hart).srl, "sra": (*Hart).sra, "or": (*Hart).or, "and": (*Hart).and,
	"addiw": (*Hart).addiw, "slliw": (*Hart).slliw, "srliw": (*Hart).srliw, "sraiw": (*Hart).sraiw,
	"addw": (*Hart).addw, "subw": (*Hart).subw, "sllw": (*Hart).sllw, "srlw": (*Hart).srlw, "sraw": (*Hart).sraw,
	"fence": (*Hart).fence, "fence.tso": (*Hart).fenceTSO, "ecall": (*Hart).ecall, "ebreak": (*Hart).ebreak,
	// Zifencei
	"fence.i": (*Hart).fenceI,
	// Zicsr
	"csrrw": (*Hart).csrrw, "csrrs": (*Hart).csrrs, "csrrc": (*Hart).csrrc,
	"csrrwi": (*Hart).csrrwi, "csrrsi": (*Hart).csrrsi, "csrrci": (*Hart).csrrci,
	// M
	"mul": (*Hart).mul, "mulh": (*Hart).mulh, "mulhsu": (*Hart).mulhsu, "mulhu": (*Hart).mulhu,
	"div": (*Hart).div, "divu": (*Hart).divu, "rem": (*Hart).rem, "remu": (*Hart).remu,
	"mulw": (*Hart).mulw, "divw": (*Hart).divw, "divuw": (*Hart).divuw, "remw": (*Hart).remw, "remuw": (*Hart).remuw,
	// A
	"lr.w": (*Hart).lrW, "lr.d": (*Hart).lrD, "sc.w": (*Hart).scW, "sc.d": (*Hart).scD,
	"amoswap.w": (*Hart).amoswapW, "amoadd.w": (*Hart).amoaddW, "amoxor.w": (*Hart).amoxorW, "amoand.w": (*Hart).amoandW,
	"amoor.w": (*Hart).amoorW, "amomin.w": (*Hart).amominW, "amomax.w": (*Hart).amomaxW, "amominu.w": (*Hart).amominuW, "amomaxu.w": (*Hart).amomaxuW,
	"amoswap.d": (*Hart).amoswapD, "amoadd.d": (*Hart).amoaddD, "amoxor.d": (*Hart).amoxorD, "amoand.d": (*Hart).amoandD,
	"amoor.d": (*Hart).amoorD, "amomin.d": (*Hart).amominD, "amomax.d": (*Hart).amomaxD, "amominu.d": (*Hart).amominuD, "amomaxu.d": (*Hart).amomaxuD,
	// Privileged
	"mret": (*Hart).mret, "sret": (*Hart).sret, "wfi": (*Hart).wfi, "sfence.vma": (*Hart).sfenceVMA,
}

func sext32(v uint64) uint64 { return uint64(int64(int32(v))) }

// lui loads the U-immediate into rd (Unpriv. §2.4.1).
func (h *Hart) lui(o *operands) *exception { h.setX(o.rd, uint64(o.imm)); return nil }

// auipc adds the U-immediate to the pc (Unpriv. §2.4.1).
func (h *Hart) auipc(o *operands) *exception { h.setX(o.rd, h.pc+uint64(o.imm)); return nil }

// jump sets the next pc. With C, IALIGN=16 and no target can be
// misaligned (bit 0 is always clear), so instruction-address-misaligned
// never arises (Unpriv. §2.5).
func (h *Hart) jump(target uint64) { h.nextPC = target }

// jal jumps by the J-immediate and links (Unpriv. §2.5.1).
func (h *Hart) jal(o *operands) *exception {
	link := h.nextPC
	h.jump(h.pc + uint64(o.imm))
	h.setX(o.rd, link)
	return nil
}

// jalr jumps to rs1+imm with bit 0 cleared, and links (Unpriv. §2.5.1).
func (h *Hart) jalr(o *operands) *exception {
	link := h.nextPC
	h.jump((h.x[o.rs1] + uint64(o.imm)) &^ 1)
	h.setX(o.rd, link)
	return nil
}

func (h *Hart) branch(taken bool, o *operands) *exception {
	if taken {
		h.jump(h.pc + uint64(o.imm))
	}
	return nil
}

// beq branches if rs1 == rs2 (Unpriv. §2.5.2).
func (h *Hart) beq(o *operands) *exception { return h.branch(h.x[o.rs1] == h.x[o.rs2], o) }

// bne branches if rs1 != rs2 (Unpriv. §2.5.2).
func (h *Hart) bne(o *operands) *exception { return h.branch(h.x[o.rs1] != h.x[o.rs2], o) }

// blt branches if rs1 < rs2, signed (Unpriv. §2.5.2).
func (h *Hart) blt(o *operands) *exception {
	return h.branch(int64(h.x[o.rs1]) < int64(h.x[o.rs2]), o)
}

// bge branches if rs1 >= rs2, signed (Unpriv. §2.5.2).
func (h *Hart) bge(o *operands) *exception {
	return h.branch(int64(h.x[o.rs1]) >= int64(h.x[o.rs2]), o)
}

// bltu branches if rs1 < rs2, unsigned (Unpriv. §2.5.2).
func (h *Hart) bltu(o *operands) *exception { return h.branch(h.x[o.rs1] < h.x[o.rs2], o) }

// bgeu branches if rs1 >= rs2, unsigned (Unpriv. §2.5.2).
func (h *Hart) bgeu(o *operands) *exception { return h.branch(h.x[o.rs1] >= h.x[o.rs2], o) }

// loadInsn is the common part of the loads (Unpriv. §2.6, §5.3): read
// size bytes at rs1+imm, extend, write rd, and record the access.
func (h *Hart) loadInsn(o *operands, size int, signed bool) *exception {
	va := h.x[o.rs1] + uint64(o.imm)
	if exc := h.dataTrigger(spec.McontrolLoad, va, size); exc != nil {
		return exc
	}
	v, exc := h.readMem(va, size, accessLoad, spec.PMPR)
	if exc != nil {
		return exc
	}
	h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size), Read: true, RData: v}
	if signed {
		shift := 64 - 8*uint(size)
		v = uint64(int64(v<<shift) >> shift)
	}
	h.setX(o.rd, v)
	return nil
}

// lb loads a sign-extended byte (Unpriv. §2.6).
func (h *Hart) lb(o *operands) *exception { return h.loadInsn(o, 1, true) }

// lh loads a sign-extended halfword (Unpriv. §2.6).
func (h *Hart) lh(o *operands) *exception { return h.loadInsn(o, 2, true) }

// lw loads a sign-extended word (Unpriv. §2.6, §5.3).
func (h *Hart) lw(o *operands) *exception { return h.loadInsn(o, 4, true) }

// ld loads a doubleword (Unpriv. §5.3).
func (h *Hart) ld(o *operands) *exception { return h.loadInsn(o, 8, false) }

// lbu loads a zero-extended byte (Unpriv. §2.6).
func (h *Hart) lbu(o *operands) *exception { return h.loadInsn(o, 1, false) }

// lhu loads a zero-extended halfword (Unpriv. §2.6).
func (h *Hart) lhu(o *operands) *exception { return h.loadInsn(o, 2, false) }

// lwu loads a zero-extended word (Unpriv. §5.3).
func (h *Hart) lwu(o *operands) *exception { return h.loadInsn(o, 4, false) }

// storeInsn is the common part of the stores (Unpriv. §2.6, §5.3).
func (h *Hart) storeInsn(o *operands, size int) *exception {
	va := h.x[o.rs1] + uint64(o.imm)
	if exc := h.dataTrigger(spec.McontrolStore, va, size); exc != nil {
		return exc
	}
	v := h.x[o.rs2]
	if size < 8 {
		v &= 1<<(8*uint(size)) - 1
	}
	if exc := h.writeMem(va, size, v); exc != nil {
		return exc
	}
	h.rec.Mem = spec.MemAccess{Valid: true, Addr: va, Size: uint8(size), Write: true, WData: v}
	return nil
}

// sb stores a byte (Unpriv. §2.6).
func (h *Hart) sb(o *operands) *exception { return h.storeInsn(o, 1) }

// sh stores a halfword (Unpriv. §2.6).
func (h *Hart) sh(o *operands) *exception { return h.storeInsn(o, 2) }

// sw stores a word (Unpriv. §2.6).
func (h *Hart) sw(o *operands) *exception { return h.storeInsn(o, 4) }

// sd stores a doubleword (Unpriv. §5.3).
func (h *Hart) sd(o *operands) *exception { return h.storeInsn(o, 8) }

// addi adds the I-immediate (Unpriv. §2.4.1).
func (h *Hart) addi(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]+uint64(o.imm)); return nil }

// slti sets rd to 1 if rs1 < imm, signed (Unpriv. §2.4.1).
func (h *Hart) slti(o *operands) *exception {
	h.setX(o.rd, b2u(int64(h.x[o.rs1]) < o.imm))
	return nil
}

// sltiu sets rd to 1 if rs1 < imm, unsigned, the immediate sign-extended first (Unpriv. §2.4.1).
func (h *Hart) sltiu(o *operands) *exception {
	h.setX(o.rd, b2u(h.x[o.rs1] < uint64(o.imm)))
	return nil
}

// xori is bitwise XOR with the immediate (Unpriv. §2.4.1).
func (h *Hart) xori(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]^uint64(o.imm)); return nil }

// ori is bitwise OR with the immediate (Unpriv. §2.4.1).
func (h *Hart) ori(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]|uint64(o.imm)); return nil }

// andi is bitwise AND with the immediate (Unpriv. §2.4.1).
func (h *Hart) andi(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]&uint64(o.imm)); return nil }

// slli shifts left by a 6-bit amount (Unpriv. §5.2.1).
func (h *Hart) slli(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]<<uint(o.imm&63)); return nil }

// srli shifts right logically by a 6-bit amount (Unpriv. §5.2.1).
func (h *Hart) srli(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]>>uint(o.imm&63)); return nil }

// srai shifts right arithmetically by a 6-bit amount (Unpriv. §5.2.1).
func (h *Hart) srai(o *operands) *exception {
	h.setX(o.rd, uint64(int64(h.x[o.rs1])>>uint(o.imm&63)))
	return nil
}

// add adds (Unpriv. §2.4.2).
func (h *Hart) add(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]+h.x[o.rs2]); return nil }

// sub subtracts (Unpriv. §2.4.2).
func (h *Hart) sub(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]-h.x[o.rs2]); return nil }

// sll shifts left by rs2[5:0] (Unpriv. §5.2.2).
func (h *Hart) sll(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]<<(h.x[o.rs2]&63)); return nil }

// slt sets rd to 1 if rs1 < rs2, signed (Unpriv. §2.4.2).
func (h *Hart) slt(o *operands) *exception {
	h.setX(o.rd, b2u(int64(h.x[o.rs1]) < int64(h.x[o.rs2])))
	return nil
}

// sltu sets rd to 1 if rs1 < rs2, unsigned (Unpriv. §2.4.2).
func (h *Hart) sltu(o *operands) *exception { h.setX(o.rd, b2u(h.x[o.rs1] < h.x[o.rs2])); return nil }

// xor is bitwise XOR (Unpriv. §2.4.2).
func (h *Hart) xor(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]^h.x[o.rs2]); return nil }

// srl shifts right logically by rs2[5:0] (Unpriv. §5.2.2).
func (h *Hart) srl(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]>>(h.x[o.rs2]&63)); return nil }

// sra shifts right arithmetically by rs2[5:0] (Unpriv. §5.2.2).
func (h *Hart) sra(o *operands) *exception {
	h.setX(o.rd, uint64(int64(h.x[o.rs1])>>(h.x[o.rs2]&63)))
	return nil
}

// or is bitwise OR (Unpriv. §2.4.2).
func (h *Hart) or(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]|h.x[o.rs2]); return nil }

// and is bitwise AND (Unpriv. §2.4.2).
func (h *Hart) and(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]&h.x[o.rs2]); return nil }

// addiw adds the immediate and sign-extends the low 32 bits (Unpriv. §5.2.1).
func (h *Hart) addiw(o *operands) *exception {
	h.setX(o.rd, sext32(h.x[o.rs1]+uint64(o.imm)))
	return nil
}

// slliw shifts the low word left by a 5-bit amount (Unpriv. §5.2.1).
func (h *Hart) slliw(o *operands) *exception {
	h.setX(o.rd, sext32(h.x[o.rs1]<<uint(o.imm&31)))
	return nil
}

// srliw shifts the low word right logically (Unpriv. §5.2.1).
func (h *Hart) srliw(o *operands) *exception {
	h.setX(o.rd, sext32(uint64(uint32(h.x[o.rs1])>>uint(o.imm&31))))
	return nil
}

// sraiw shifts the low word right arithmetically (Unpriv. §5.2.1).
func (h *Hart) sraiw(o *operands) *exception {
	h.setX(o.rd, uint64(int64(int32(h.x[o.rs1])>>uint(o.imm&31))))
	return nil
}

// addw adds and sign-extends the low 32 bits (Unpriv. §5.2.2).
func (h *Hart) addw(o *operands) *exception { h.setX(o.rd, sext32(h.x[o.rs1]+h.x[o.rs2])); return nil }

// subw subtracts and sign-extends the low 32 bits (Unpriv. §5.2.2).
func (h *Hart) subw(o *operands) *exception { h.setX(o.rd, sext32(h.x[o.rs1]-h.x[o.rs2])); return nil }

// sllw shifts the low word left by rs2[4:0] (Unpriv. §5.2.2).
func (h *Hart) sllw(o *operands) *exception {
	h.setX(o.rd, sext32(h.x[o.rs1]<<(h.x[o.rs2]&31)))
	return nil
}

// srlw shifts the low word right logically by rs2[4:0] (Unpriv. §5.2.2).
func (h *Hart) srlw(o *operands) *exception {
	h.setX(o.rd, sext32(uint64(uint32(h.x[o.rs1])>>(h.x[o.rs2]&31))))
	return nil
}

// sraw shifts the low word right arithmetically by rs2[4:0] (Unpriv. §5.2.2).
func (h *Hart) sraw(o *operands) *exception {
	h.setX(o.rd, uint64(int64(int32(h.x[o.rs1])>>(h.x[o.rs2]&31))))
	return nil
}

// fence orders memory; a single in-order hart with no caches has nothing
// to do (Unpriv. §2.7).
func (h *Hart) fence(o *operands) *exception { return nil }

// fenceTSO is fence.tso; like fence, a no-op here (Unpriv. §2.7).
func (h *Hart) fenceTSO(o *operands) *exception { return nil }

// fenceI synchronizes instruction fetch with stores (Unpriv. §3.1). The
// model fetches from memory every time and its decode cache is keyed on
// the instruction word itself, so there is nothing to flush.
func (h *Hart) fenceI(o *operands) *exception { return nil }

// ecall raises the environment call of the current mode; tval is 0
// (Unpriv. §2.8, Priv. spec 1.12 §3.3.1).
func (h *Hart) ecall(o *operands) *exception {
	cause := [...]uint64{spec.CauseUserEcall, spec.CauseSupervisorEcall, 0, spec.CauseMachineEcall}[h.mode]
	return raise(cause, 0)
}

// ebreak raises a breakpoint exception (Unpriv. §2.8, Priv. spec 1.12
// §3.3.1). tval is 0: the specification allows 0 or the pc, and QEMU
// 7.2's riscv_cpu_do_interrupt sets tval only for address faults and
// illegal instructions (checked against QEMU by corpus/ref/trap_m.S).
func (h *Hart) ebreak(o *operands) *exception { return raise(spec.CauseBreakpoint, 0) }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
