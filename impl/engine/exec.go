package engine

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/vcheck-dev/vcheck/spec"
)

// Why fast stopped.
const (
	exitBudget  = iota // the budget ran out
	exitFetch          // the pc left the code page, or the scratch page's one instruction ran: fetch anew
	exitDecode         // no block starts here yet (or a page-crossing instruction)
	exitSlow           // d needs a helper (CSRs, atomics, system, TLB miss, MMIO)
	exitCompile        // h.hotBlock is hot: compile it
)

// loop runs up to limit steps of one hart and returns the steps taken (a
// trap is a step). It alternates between fast, which runs predecoded
// instructions and calls nothing, and the helpers for what fast hands
// back. It returns after limit steps, after a trap, or after a helper
// asks it to stop (exitLoop: mode, translation or interrupt state changed,
// or the machine halted).
func (h *Hart) loop(limit uint64) uint64 {
	m := h.m
	if h.codeEpoch != m.codeEpoch {
		h.codeEpoch = m.codeEpoch
		h.flushTLB()
	}
	h.exitLoop = false
	left := limit
	for left > 0 {
		if h.trig.exec && h.trigExecute() { // before the fetch (trigger.go)
			return limit - left + 1
		}
		// Resume on the code page the last fetch found when nothing that
		// decides the fetch translation has changed since.
		if cp := h.lastCP; cp == nil || h.pc-h.lastBase >= 4096 || h.lastGen != h.tlbGen || h.lastMode != h.mode {
			if !h.refetch() {
				return limit - left + 1
			}
		}
		why, n, d := h.fast(h.trigBudget(left))
		h.count += n
		left -= n
		if h.scratchUsed { // an uncached instruction ran from the scratch page
			h.scratch.blocks[h.scratchSlot] = nil // d (h.scratchInst) stays as it is
			h.scratchUsed = false
			h.lastCP = nil
		}
		switch why {
		case exitFetch:
			h.lastCP = nil
		case exitCompile:
			m.jitCompileBlock(h.hotBlock)
			h.hotBlock = nil
		case exitDecode:
			if h.buildBlock(h.lastCP, h.pc-h.lastBase) {
				break
			}
			// A page-crossing instruction: fetched and decoded each time.
			d := h.fetchOne(h.pc)
			if d == nil {
				h.raise()
				return limit - left + 1
			}
			h.useScratch(d, h.lastBase)
		case exitSlow:
			if !h.slow(d) {
				return limit - left + 1
			}
			h.count++
			left--
			if h.exitLoop {
				return limit - left
			}
		}
	}
	if left != limit {
		h.trapLoop = 0
	}
	return limit - left
}

// refetch finds the code page for h.pc (or, for an uncached instruction,
// puts it on the hart's scratch page). false: the fetch trapped.
func (h *Hart) refetch() bool {
	var cp *codePage
	var base uint64
	d := h.fetchSlow(h.pc, &cp, &base)
	h.exitLoop = false // a new code page flushes the TLBs; nothing to stop for
	if d == nil {
		h.raise()
		return false
	}
	if cp == scratchPage {
		h.useScratch(d, base)
		return true
	}
	h.lastCP, h.lastBase, h.lastGen, h.lastMode = cp, base, h.tlbGen, h.mode
	return true
}

// useScratch runs the uncached instruction d next: it sits alone on the
// hart's scratch page (no other block), so whatever follows is fetched anew.
func (h *Hart) useScratch(d *inst, base uint64) {
	if h.scratch == nil {
		h.scratch = newScratchPage()
	}
	off := (h.pc - base) & 4095
	h.scratchSlot = off >> 1
	h.scratchInst[0] = *d
	h.scratchInst[0].off = uint16(off)
	h.scratchBlk = block{insts: h.scratchInst[:], start: uint16(off), end: uint16(off) + uint16(d.len),
		jit: jitState{tried: true}} // run once: never compiled
	h.scratch.blocks[h.scratchSlot] = &h.scratchBlk
	h.scratchUsed = true
	h.lastCP, h.lastBase, h.lastGen, h.lastMode = h.scratch, base, h.tlbGen, h.mode
}

// slow runs an instruction fast handed back, at h.pc, and reports whether
// it retired (false: it trapped, and the trap has been taken).
func (h *Hart) slow(d *inst) bool {
	if h.trig.data && h.trigData(d) { // before the access (trigger.go)
		h.raise()
		return false
	}
	x := &h.x
	next := h.pc + uint64(d.len)
	switch {
	case loadSize[d.op] != 0:
		v, ok := h.loadSlow(x[d.rs1]+uint64(d.imm), loadSize[d.op])
		if !ok {
			h.raise()
			return false
		}
		x[d.rd] = extendLoad(d.op, v)
	case storeSize[d.op] != 0:
		if !h.storeSlow(x[d.rs1]+uint64(d.imm), storeSize[d.op], x[d.rs2]) {
			h.raise()
			return false
		}
	default:
		if !h.execSlow(d) {
			h.raise()
			return false
		}
		if h.pcSet {
			h.pcSet = false
			next = h.pc
		}
	}
	h.pc = next
	return true
}

// fast is the hot interpreter: it runs up to left predecoded instructions
// from h.lastCP and returns why it stopped, how many retired, and the
// instruction it stopped at. It calls nothing but compiled code
// (callJIT), so the Go compiler keeps its state in registers.
//
// It runs blocks (see block): straight-line runs of predecoded
// instructions that end at a control transfer, at an instruction that
// needs a helper, or at the page end. Within a block the next instruction
// is the next array element, so no instruction waits for its predecessor's
// length to find its successor, and the budget is checked once per block.
// The pc is base+off (the code page's virtual address and the block's
// offset in it); a taken jump out of the page returns exitFetch.
func (h *Hart) fast(left uint64) (why int, retired uint64, stop *inst) {
	x := &h.x
	cp := h.lastCP
	if cp == nil { // never: loop fetched; proves cp non-nil for the loop below
		return exitFetch, 0, nil
	}
	blocks := &cp.blocks
	base := h.lastBase
	jc := &h.jctx
	jc.base, jc.gen, jc.loadTLB, jc.storeTLB = base, h.tlbGen, h.loadTLB, h.storeTLB
	off := h.pc - base
	budget := left
	jitOn := h.m.jitOn
	rh := h.ramHost     // a TLB entry's host minus this is the page's RAM offset minus its virtual address
	jitRan := uint64(0) // instructions compiled code ran in this call
	for {
		if left == 0 {
			h.pc = base + off
			return exitBudget, budget, nil
		}
		if jitRan >= jitSlice {
			// Back to loop, which calls fast again: that call's stack
			// check is where a pending preemption (a GC's stop-the-world)
			// happens. Compiled code cannot be preempted, and this loop
			// has no call that checks.
			h.pc = base + off
			return exitBudget, budget - left, nil
		}
		if off >= 4096 {
			h.pc = base + off
			return exitFetch, budget - left, nil
		}
		blk := blocks[off>>1]
		if blk == nil {
			h.pc = base + off
			if cp.scratch {
				return exitFetch, budget - left, nil
			}
			return exitDecode, budget - left, nil
		}
		bi := blk.insts
		noff := uint64(blk.end)
		switch {
		case uint64(len(bi)) > left:
			noff = uint64(bi[left].off)
			bi = bi[:left]
		case blk.jit.code != 0:
			// Compiled code runs this block and chains to the next ones
			// in the page; a slice of the budget at a time, so that the
			// goroutine returns to Go code (preemption, GC) often.
			lim := min(left, jitSlice)
			jc.blocks = blocks
			callJIT(blk.jit.code, h, lim)
			left -= lim - jc.left
			jitRan += lim - jc.left
			if jc.n == ^uint64(0) {
				off = jc.next
				continue
			}
			// It stopped in a block: interpret the rest of that one.
			if !mutantOn(h.m, mutJITChainResume) { // MUTANT HOOK (mutant.go)
				blk = blocks[jc.cur>>1]
			}
			bi = blk.insts[jc.n:]
			noff = uint64(blk.end)
		case !blk.jit.tried && jitOn:
			if blk.jit.hits++; blk.jit.hits >= jitHot {
				h.pc = base + off
				h.hotBlock = blk
				return exitCompile, budget - left, nil
			}
		}
		for i := range bi {
			d := &bi[i]
			switch d.op {
			case opLUI:
				x[d.rd] = uint64(d.imm)
			case opAUIPC:
				x[d.rd] = base + uint64(d.off) + uint64(d.imm)
			case opJAL:
				x[d.rd] = base + uint64(d.off) + uint64(d.len)
				noff = uint64(d.off) + uint64(d.imm)
				if noff >= 4096 {
					h.pc = base + noff
					return exitFetch, budget - left + uint64(i) + 1, nil
				}
			case opJALR:
				t := (x[d.rs1] + uint64(d.imm)) &^ 1
				x[d.rd] = base + uint64(d.off) + uint64(d.len)
				noff = t - base
				if noff >= 4096 {
					h.pc = base + noff
					return exitFetch, budget - left + uint64(i) + 1, nil
				}
			case opBEQ:
				if x[d.rs1] == x[d.rs2] {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}
			case opBNE:
				if x[d.rs1] != x[d.rs2] {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}
			case opBLT:
				if int64(x[d.rs1]) < int64(x[d.rs2]) {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}
			case opBGE:
				if int64(x[d.rs1]) >= int64(x[d.rs2]) {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}
			case opBLTU:
				if x[d.rs1] < x[d.rs2] {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}
			case opBGEU:
				if x[d.rs1] >= x[d.rs2] {
					noff = uint64(d.off) + uint64(d.imm)
					if noff >= 4096 {
						h.pc = base + noff
						return exitFetch, budget - left + uint64(i) + 1, nil
					}
				}

			case opLD:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4088 {
					x[d.rd] = binary.LittleEndian.Uint64(h.ram[e.host+a-rh:])
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLW:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4092 {
					x[d.rd] = uint64(int64(int32(binary.LittleEndian.Uint32(h.ram[e.host+a-rh:]))))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLWU:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4092 {
					x[d.rd] = uint64(binary.LittleEndian.Uint32(h.ram[e.host+a-rh:]))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLH:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4094 {
					x[d.rd] = uint64(int64(int16(binary.LittleEndian.Uint16(h.ram[e.host+a-rh:]))))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLHU:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4094 {
					x[d.rd] = uint64(binary.LittleEndian.Uint16(h.ram[e.host+a-rh:]))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLB:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4095 {
					x[d.rd] = uint64(int64(int8(h.ram[e.host+a-rh])))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opLBU:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.loadTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4095 {
					x[d.rd] = uint64(h.ram[e.host+a-rh])
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opSD:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.storeTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4088 {
					binary.LittleEndian.PutUint64(h.ram[e.host+a-rh:], x[d.rs2])
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opSW:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.storeTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4092 {
					binary.LittleEndian.PutUint32(h.ram[e.host+a-rh:], uint32(x[d.rs2]))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opSH:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.storeTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4094 {
					binary.LittleEndian.PutUint16(h.ram[e.host+a-rh:], uint16(x[d.rs2]))
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}
			case opSB:
				a := x[d.rs1] + uint64(d.imm)
				e := &h.storeTLB[a>>12&(tlbSize-1)]
				if po := a & 0xfff; e.tag == a>>12|h.tlbGen && po <= 4095 {
					h.ram[e.host+a-rh] = byte(x[d.rs2])
				} else {
					h.pc = base + uint64(d.off)
					return exitSlow, budget - left + uint64(i), d
				}

			case opADDI:
				x[d.rd] = x[d.rs1] + uint64(d.imm)
			case opSLTI:
				x[d.rd] = b2u(int64(x[d.rs1]) < int64(uint64(d.imm)))
			case opSLTIU:
				x[d.rd] = b2u(x[d.rs1] < uint64(d.imm))
			case opXORI:
				x[d.rd] = x[d.rs1] ^ uint64(d.imm)
			case opORI:
				x[d.rd] = x[d.rs1] | uint64(d.imm)
			case opANDI:
				x[d.rd] = x[d.rs1] & uint64(d.imm)
			case opSLLI:
				x[d.rd] = x[d.rs1] << (uint64(d.imm) & 63)
			case opSRLI:
				x[d.rd] = x[d.rs1] >> (uint64(d.imm) & 63)
			case opSRAI:
				x[d.rd] = uint64(int64(x[d.rs1]) >> (uint64(d.imm) & 63))
			case opADD:
				x[d.rd] = x[d.rs1] + x[d.rs2]
			case opSUB:
				x[d.rd] = x[d.rs1] - x[d.rs2]
			case opSLL:
				x[d.rd] = x[d.rs1] << (x[d.rs2] & 63)
			case opSLT:
				x[d.rd] = b2u(int64(x[d.rs1]) < int64(x[d.rs2]))
			case opSLTU:
				x[d.rd] = b2u(x[d.rs1] < x[d.rs2])
			case opXOR:
				x[d.rd] = x[d.rs1] ^ x[d.rs2]
			case opSRL:
				x[d.rd] = x[d.rs1] >> (x[d.rs2] & 63)
			case opSRA:
				x[d.rd] = uint64(int64(x[d.rs1]) >> (x[d.rs2] & 63))
			case opOR:
				x[d.rd] = x[d.rs1] | x[d.rs2]
			case opAND:
				x[d.rd] = x[d.rs1] & x[d.rs2]
			case opADDIW:
				x[d.rd] = sext32(x[d.rs1] + uint64(d.imm))
			case opSLLIW:
				x[d.rd] = sext32(x[d.rs1] << (uint64(d.imm) & 31))
			case opSRLIW:
				x[d.rd] = sext32(uint64(uint32(x[d.rs1]) >> (uint64(d.imm) & 31)))
			case opSRAIW:
				x[d.rd] = uint64(int64(int32(x[d.rs1]) >> (uint64(d.imm) & 31)))
			case opADDW:
				x[d.rd] = sext32(x[d.rs1] + x[d.rs2])
			case opSUBW:
				x[d.rd] = sext32(x[d.rs1] - x[d.rs2])
			case opSLLW:
				x[d.rd] = sext32(x[d.rs1] << (x[d.rs2] & 31))
			case opSRLW:
				x[d.rd] = sext32(uint64(uint32(x[d.rs1]) >> (x[d.rs2] & 31)))
			case opSRAW:
				x[d.rd] = uint64(int64(int32(x[d.rs1]) >> (x[d.rs2] & 31)))

			case opMUL:
				x[d.rd] = x[d.rs1] * x[d.rs2]
			case opMULH:
				x[d.rd] = mulh(x[d.rs1], x[d.rs2])
			case opMULHSU:
				x[d.rd] = mulhsu(x[d.rs1], x[d.rs2])
			case opMULHU:
				hi, _ := bits.Mul64(x[d.rs1], x[d.rs2])
				x[d.rd] = hi
			case opDIV:
				x[d.rd] = div(x[d.rs1], x[d.rs2])
			case opDIVU:
				if b := x[d.rs2]; b == 0 {
					x[d.rd] = ^uint64(0)
				} else {
					x[d.rd] = x[d.rs1] / b
				}
			case opREM:
				x[d.rd] = rem(x[d.rs1], x[d.rs2])
			case opREMU:
				if b := x[d.rs2]; b == 0 {
					x[d.rd] = x[d.rs1]
				} else {
					x[d.rd] = x[d.rs1] % b
				}
			case opMULW:
				x[d.rd] = sext32(x[d.rs1] * x[d.rs2])
			case opDIVW:
				x[d.rd] = divw(x[d.rs1], x[d.rs2])
			case opDIVUW:
				if b := uint32(x[d.rs2]); b == 0 {
					x[d.rd] = ^uint64(0)
				} else {
					x[d.rd] = sext32(uint64(uint32(x[d.rs1]) / b))
				}
			case opREMW:
				x[d.rd] = remw(x[d.rs1], x[d.rs2])
			case opREMUW:
				if b := uint32(x[d.rs2]); b == 0 {
					x[d.rd] = sext32(x[d.rs1])
				} else {
					x[d.rd] = sext32(uint64(uint32(x[d.rs1]) % b))
				}

			case opFENCE, opFENCEI:
			// Stores keep the code cache coherent (see storeSlow), so
			// FENCE.I has nothing left to do; one hart runs at a time.

			default:
				// CSRs, atomics, system instructions, illegal ones.
				h.pc = base + uint64(d.off)
				return exitSlow, budget - left + uint64(i), d

			}
		}
		left -= uint64(len(bi))
		off = noff
	}
}

func extendLoad(o op, v uint64) uint64 {
	switch o {
	case opLB:
		return uint64(int64(int8(v)))
	case opLH:
		return uint64(int64(int16(v)))
	case opLW:
		return uint64(int64(int32(v)))
	}
	return v
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func sext32(v uint64) uint64 { return uint64(int64(int32(v))) }

func mulh(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	if int64(b) < 0 {
		hi -= a
	}
	return hi
}

func mulhsu(a, b uint64) uint64 {
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	return hi
}

// Division by zero and overflow follow Unprivileged spec §7.2, Table 7.1.
func div(a, b uint64) uint64 {
	if b == 0 {
		return ^uint64(0)
	}
	return uint64(int64(a) / int64(b)) // MinInt64 / -1 wraps to MinInt64 in Go
}

func rem(a, b uint64) uint64 {
	if b == 0 {
		return a
	}
	return uint64(int64(a) % int64(b))
}

func divw(a, b uint64) uint64 {
	if int32(b) == 0 {
		return ^uint64(0)
	}
	return uint64(int64(int32(a) / int32(b)))
}

func remw(a, b uint64) uint64 {
	if int32(b) == 0 {
		return sext32(a)
	}
	return uint64(int64(int32(a) % int32(b)))
}

// isBranch reports whether o is a conditional branch.
func isBranch(o op) bool {
	switch o {
	case opBEQ, opBNE, opBLT, opBGE, opBLTU, opBGEU:
		return true
	}
	return false
}

// buildBlock builds the block that starts at page offset off of a code
// page, decoding its slots as needed. false: the instruction there
// crosses the page end, and no block holds it.
func (h *Hart) buildBlock(cp *codePage, off uint64) bool {
	var list []inst
	o := off
	for o < 4096 && len(list) < maxBlock {
		slot := &cp.insts[o>>1]
		if slot.op == opUndecoded {
			h.decodeSlot(cp, o)
		}
		if slot.op == opCross {
			break
		}
		d := *slot
		d.off = uint16(o)
		list = append(list, d)
		o += uint64(d.len)
		if endsBlock[d.op] && !(isBranch(d.op) && mutantOn(h.m, mutBlockPastBranch)) { // MUTANT HOOK (mutant.go)
			break
		}
	}
	if len(list) == 0 {
		return false
	}
	b := &block{insts: slices.Clip(list), start: uint16(off), end: uint16(o)}
	cp.blocks[off>>1] = b
	cp.live = append(cp.live, b)
	return true
}

// decodeSlot decodes the instruction at page offset off of a code page.
func (h *Hart) decodeSlot(cp *codePage, off uint64) {
	ram := h.m.ram
	slot := &cp.insts[off>>1&2047]
	lo := uint32(readRAM(ram, cp.ramOff+off, 2))
	if lo&3 != 3 {
		*slot = decode(lo)
		return
	}
	if off >= 4094 {
		*slot = inst{op: opCross, len: 4}
		return
	}
	*slot = decode(uint32(readRAM(ram, cp.ramOff+off, 4)))
}

// execSlow runs the instructions the loop hands off: CSRs, atomics and
// system instructions. It returns false with an exception recorded.
func (h *Hart) execSlow(d *inst) bool {
	x := &h.x
	switch d.op {
	case opIllegal:
		return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
	case opECALL:
		return h.fail(spec.CauseUserEcall+uint64(h.mode), 0)
	case opEBREAK:
		return h.fail(spec.CauseBreakpoint, ebreakTval(h.pc))
	case opCSRRW, opCSRRS, opCSRRC, opCSRRWI, opCSRRSI, opCSRRCI:
		return h.csrInsn(d)
	case opLRW, opLRD:
		size := uint64(ops[d.op].size)
		a := x[d.rs1]
		if a&(size-1) != 0 {
			return h.fail(spec.CauseMisalignedLoad, a)
		}
		v, ok := h.loadSlow(a, size)
		if !ok {
			return false
		}
		if size == 4 {
			v = sext32(v)
		}
		x[d.rd] = v
		h.resValid, h.resAddr, h.resVal, h.resSize = true, a, v, uint8(size)
		if mutantOn(h.m, mutLRAligned) { // MUTANT HOOK (mutant.go)
			h.resAddr = a &^ 7
		}
		h.watchReservationAt(a)
		return true
	case opSCW, opSCD:
		size := uint64(ops[d.op].size)
		a := x[d.rs1]
		if a&(size-1) != 0 {
			return h.fail(spec.CauseMisalignedStore, a)
		}
		// "No SC instruction shall retire unless it passes memory
		// permission checks" (Unpriv. "Zalrsc"): translate and check it as
		// a store even when it will fail. (QEMU 7.2 checks the
		// reservation first and never faults a failing SC.)
		if _, good := h.access(a, size, accStore, h.dataMode()); !good {
			return false
		}
		// The SC succeeds when it targets the reserved address (the
		// reservation is the LR's address, docs/retire.md) and no other
		// hart's store broke it since (storeObserved).
		ok := false
		if h.resValid && h.resAddr == a {
			if !h.storeSlow(a, size, x[d.rs2]) {
				return false
			}
			ok = true
		}
		h.resValid = false
		x[d.rd] = b2u(!ok)
		h.scDone = ok
		return true
	case opAMOSWAPW, opAMOADDW, opAMOXORW, opAMOANDW, opAMOORW, opAMOMINW, opAMOMAXW, opAMOMINUW, opAMOMAXUW,
		opAMOSWAPD, opAMOADDD, opAMOXORD, opAMOANDD, opAMOORD, opAMOMIND, opAMOMAXD, opAMOMINUD, opAMOMAXUD:
		size := uint64(ops[d.op].size)
		a := x[d.rs1]
		if a&(size-1) != 0 {
			return h.fail(spec.CauseMisalignedStore, a)
		}
		old, ok := h.amoRead(a, size)
		if !ok {
			return false
		}
		nv := amoCompute(d.op, old, x[d.rs2])
		if !h.storeSlow(a, size, nv) {
			return false
		}
		if size == 4 {
			old = sext32(old)
		}
		x[d.rd] = old
		return true
	case opMRET:
		if h.mode < spec.ModeM {
			return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
		}
		s := h.mstatus
		mpp := spec.Mode(s >> 11 & 3)
		s &^= spec.MstatusMIE | spec.MstatusMPP
		if s&spec.MstatusMPIE != 0 {
			s |= spec.MstatusMIE
		}
		s |= spec.MstatusMPIE // MPP becomes U (0), the least-privileged mode
		if mpp != spec.ModeM {
			s &^= spec.MstatusMPRV
		}
		h.mstatus = s
		h.mode = mpp
		h.jump(h.mepc)
		h.updateCtx()
		h.exitLoop = true
		return true
	case opSRET:
		if h.mode < spec.ModeS || h.mode == spec.ModeS && h.mstatus&spec.MstatusTSR != 0 {
			return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
		}
		s := h.mstatus
		spp := spec.ModeU
		if s&spec.MstatusSPP != 0 {
			spp = spec.ModeS
		}
		s &^= spec.MstatusSIE | spec.MstatusSPP | spec.MstatusMPRV // Priv. 1.12: xRET to a mode below M clears MPRV
		if s&spec.MstatusSPIE != 0 {
			s |= spec.MstatusSIE
		}
		s |= spec.MstatusSPIE
		h.mstatus = s
		h.mode = spp
		h.jump(h.sepc)
		h.updateCtx()
		h.exitLoop = true
		return true
	case opWFI:
		// Priv. spec 1.12 §3.1.6.5 and QEMU 7.2 helper_wfi: U-mode WFI is
		// illegal (S-mode exists); S-mode WFI with TW=1 is illegal; M-mode
		// WFI never traps (TW concerns less-privileged modes only).
		// Otherwise it retires as a NOP (docs/retire.md).
		if h.mode == spec.ModeU || h.mode == spec.ModeS && h.mstatus&spec.MstatusTW != 0 {
			return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
		}
		return true
	case opSFENCEVMA:
		if h.mode == spec.ModeU || h.mode == spec.ModeS && h.mstatus&spec.MstatusTVM != 0 {
			return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
		}
		h.flushTLB()
		return true
	}
	return h.fail(spec.CauseIllegalInstruction, uint64(d.raw))
}

// jump sets the pc of the next instruction from a helper.
func (h *Hart) jump(pc uint64) {
	h.pc = pc &^ 1
	h.pcSet = true
}

// ebreakTval is mtval for EBREAK. QEMU 7.2's riscv_cpu_do_interrupt leaves
// tval 0 for a breakpoint exception (it only sets it for watchpoint hits).
func ebreakTval(uint64) uint64 { return 0 }

func amoCompute(o op, old, src uint64) uint64 {
	switch o {
	case opAMOSWAPW, opAMOSWAPD:
		return src
	case opAMOADDW, opAMOADDD:
		return old + src
	case opAMOXORW, opAMOXORD:
		return old ^ src
	case opAMOANDW, opAMOANDD:
		return old & src
	case opAMOORW, opAMOORD:
		return old | src
	case opAMOMINW:
		if int32(old) < int32(src) {
			return old
		}
		return src
	case opAMOMAXW:
		if int32(old) > int32(src) {
			return old
		}
		return src
	case opAMOMINUW:
		if uint32(old) < uint32(src) {
			return old
		}
		return src
	case opAMOMAXUW:
		if uint32(old) > uint32(src) {
			return old
		}
		return src
	case opAMOMIND:
		if int64(old) < int64(src) {
			return old
		}
		return src
	case opAMOMAXD:
		if int64(old) > int64(src) {
			return old
		}
		return src
	case opAMOMINUD:
		if old < src {
			return old
		}
		return src
	case opAMOMAXUD:
		if old > src {
			return old
		}
		return src
	}
	return src
}
