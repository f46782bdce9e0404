package engine

import "fmt"

// op is the engine's own small-int opcode: the dispatch switch in exec.go
// jumps on it, so an instruction is decoded once and never again.
//
// Every fact about an op is in its row of ops below; the code that runs
// an op is in one of three places, which the row names (run):
//
//	runFast     fast's switch (exec.go) runs it whole
//	runFastMem  fast's switch on a TLB hit, else slow's load/store path
//	            (exec.go: slow, loadSlow, storeSlow)
//	runSlow     fast hands it back; execSlow (exec.go) runs it
//
// and, where jit is set, also in the amd64 translator's emitter
// (jit_amd64.go: (*x86).inst). ops_test.go checks the pieces against
// the table: fast's and execSlow's cases, the emitter's, the record
// code's accesses, and every spec.Insts row. Adding an instruction: add
// its op below and its row, then its case where run says (and in the
// emitter if jit); the tests name whatever is missing.
type op uint8

const (
	opUndecoded op = iota // slot not decoded yet (the zero value of a code page)
	opCross               // a 32-bit instruction that straddles the page end
	opIllegal
	opLUI
	opAUIPC
	opJAL
	opJALR
	opBEQ
	opBNE
	opBLT
	opBGE
	opBLTU
	opBGEU
	opLB
	opLH
	opLW
	opLD
	opLBU
	opLHU
	opLWU
	opSB
	opSH
	opSW
	opSD
	opADDI
	opSLTI
	opSLTIU
	opXORI
	opORI
	opANDI
	opSLLI
	opSRLI
	opSRAI
	opADD
	opSUB
	opSLL
	opSLT
	opSLTU
	opXOR
	opSRL
	opSRA
	opOR
	opAND
	opADDIW
	opSLLIW
	opSRLIW
	opSRAIW
	opADDW
	opSUBW
	opSLLW
	opSRLW
	opSRAW
	opFENCE
	opECALL
	opEBREAK
	opFENCEI
	opCSRRW
	opCSRRS
	opCSRRC
	opCSRRWI
	opCSRRSI
	opCSRRCI
	opMUL
	opMULH
	opMULHSU
	opMULHU
	opDIV
	opDIVU
	opREM
	opREMU
	opMULW
	opDIVW
	opDIVUW
	opREMW
	opREMUW
	opLRW
	opLRD
	opSCW
	opSCD
	opAMOSWAPW
	opAMOADDW
	opAMOXORW
	opAMOANDW
	opAMOORW
	opAMOMINW
	opAMOMAXW
	opAMOMINUW
	opAMOMAXUW
	opAMOSWAPD
	opAMOADDD
	opAMOXORD
	opAMOANDD
	opAMOORD
	opAMOMIND
	opAMOMAXD
	opAMOMINUD
	opAMOMAXUD
	opMRET
	opSRET
	opWFI
	opSFENCEVMA
	numOps
)

// opRunner is the code that executes an op (see op).
type opRunner uint8

const (
	runNone    opRunner = iota // the engine's internal markers: never executed as such
	runFast                    // fast runs it
	runFastMem                 // fast on a TLB hit, slow's load/store path otherwise
	runSlow                    // execSlow runs it
)

// memKind is the data access an op makes, for the retire record.
type memKind uint8

const (
	memNone  memKind = iota
	memLoad          // reads size bytes at x[rs1]+imm
	memStore         // writes size bytes at x[rs1]+imm
	memLR            // reads size bytes at x[rs1]
	memSC            // writes size bytes at x[rs1], if it succeeds
	memAMO           // reads and writes size bytes at x[rs1]
)

// opInfo is one op's facts.
type opInfo struct {
	name string   // its spec.Insts row (the 32-bit form); "" for internal ops
	also string   // another row that decodes to it (fence.tso)
	run  opRunner // who executes it
	jump bool     // a control transfer: its block ends after it
	rd   bool     // writes rd (Retire.Rd)
	mem  memKind  // its data access
	size uint8    // the access size of mem
	jit  bool     // the amd64 translator translates it
}

// ops is the table of every op's facts.
var ops = [numOps]opInfo{
	opUndecoded: {},
	opCross:     {},
	opIllegal:   {run: runSlow},

	opLUI:   {name: "lui", run: runFast, rd: true, jit: true},
	opAUIPC: {name: "auipc", run: runFast, rd: true, jit: true},
	opJAL:   {name: "jal", run: runFast, jump: true, rd: true, jit: true},
	opJALR:  {name: "jalr", run: runFast, jump: true, rd: true, jit: true},
	opBEQ:   {name: "beq", run: runFast, jump: true, jit: true},
	opBNE:   {name: "bne", run: runFast, jump: true, jit: true},
	opBLT:   {name: "blt", run: runFast, jump: true, jit: true},
	opBGE:   {name: "bge", run: runFast, jump: true, jit: true},
	opBLTU:  {name: "bltu", run: runFast, jump: true, jit: true},
	opBGEU:  {name: "bgeu", run: runFast, jump: true, jit: true},

	opLB:  {name: "lb", run: runFastMem, rd: true, mem: memLoad, size: 1, jit: true},
	opLH:  {name: "lh", run: runFastMem, rd: true, mem: memLoad, size: 2, jit: true},
	opLW:  {name: "lw", run: runFastMem, rd: true, mem: memLoad, size: 4, jit: true},
	opLD:  {name: "ld", run: runFastMem, rd: true, mem: memLoad, size: 8, jit: true},
	opLBU: {name: "lbu", run: runFastMem, rd: true, mem: memLoad, size: 1, jit: true},
	opLHU: {name: "lhu", run: runFastMem, rd: true, mem: memLoad, size: 2, jit: true},
	opLWU: {name: "lwu", run: runFastMem, rd: true, mem: memLoad, size: 4, jit: true},
	opSB:  {name: "sb", run: runFastMem, mem: memStore, size: 1, jit: true},
	opSH:  {name: "sh", run: runFastMem, mem: memStore, size: 2, jit: true},
	opSW:  {name: "sw", run: runFastMem, mem: memStore, size: 4, jit: true},
	opSD:  {name: "sd", run: runFastMem, mem: memStore, size: 8, jit: true},

	opADDI:  {name: "addi", run: runFast, rd: true, jit: true},
	opSLTI:  {name: "slti", run: runFast, rd: true, jit: true},
	opSLTIU: {name: "sltiu", run: runFast, rd: true, jit: true},
	opXORI:  {name: "xori", run: runFast, rd: true, jit: true},
	opORI:   {name: "ori", run: runFast, rd: true, jit: true},
	opANDI:  {name: "andi", run: runFast, rd: true, jit: true},
	opSLLI:  {name: "slli", run: runFast, rd: true, jit: true},
	opSRLI:  {name: "srli", run: runFast, rd: true, jit: true},
	opSRAI:  {name: "srai", run: runFast, rd: true, jit: true},
	opADD:   {name: "add", run: runFast, rd: true, jit: true},
	opSUB:   {name: "sub", run: runFast, rd: true, jit: true},
	opSLL:   {name: "sll", run: runFast, rd: true, jit: true},
	opSLT:   {name: "slt", run: runFast, rd: true, jit: true},
	opSLTU:  {name: "sltu", run: runFast, rd: true, jit: true},
	opXOR:   {name: "xor", run: runFast, rd: true, jit: true},
	opSRL:   {name: "srl", run: runFast, rd: true, jit: true},
	opSRA:   {name: "sra", run: runFast, rd: true, jit: true},
	opOR:    {name: "or", run: runFast, rd: true, jit: true},
	opAND:   {name: "and", run: runFast, rd: true, jit: true},
	opADDIW: {name: "addiw", run: runFast, rd: true, jit: true},
	opSLLIW: {name: "slliw", run: runFast, rd: true, jit: true},
	opSRLIW: {name: "srliw", run: runFast, rd: true, jit: true},
	opSRAIW: {name: "sraiw", run: runFast, rd: true, jit: true},
	opADDW:  {name: "addw", run: runFast, rd: true, jit: true},
	opSUBW:  {name: "subw", run: runFast, rd: true, jit: true},
	opSLLW:  {name: "sllw", run: runFast, rd: true, jit: true},
	opSRLW:  {name: "srlw", run: runFast, rd: true, jit: true},
	opSRAW:  {name: "sraw", run: runFast, rd: true, jit: true},

	// Stores keep the code cache coherent (see storeSlow), so FENCE.I has
	// nothing left to do; one hart runs at a time.
	opFENCE:  {name: "fence", also: "fence.tso", run: runFast, jit: true},
	opFENCEI: {name: "fence.i", run: runFast, jit: true},
	opECALL:  {name: "ecall", run: runSlow},
	opEBREAK: {name: "ebreak", run: runSlow},

	opCSRRW:  {name: "csrrw", run: runSlow, rd: true},
	opCSRRS:  {name: "csrrs", run: runSlow, rd: true},
	opCSRRC:  {name: "csrrc", run: runSlow, rd: true},
	opCSRRWI: {name: "csrrwi", run: runSlow, rd: true},
	opCSRRSI: {name: "csrrsi", run: runSlow, rd: true},
	opCSRRCI: {name: "csrrci", run: runSlow, rd: true},

	opMUL:    {name: "mul", run: runFast, rd: true, jit: true},
	opMULH:   {name: "mulh", run: runFast, rd: true, jit: true},
	opMULHSU: {name: "mulhsu", run: runFast, rd: true, jit: true},
	opMULHU:  {name: "mulhu", run: runFast, rd: true, jit: true},
	opDIV:    {name: "div", run: runFast, rd: true, jit: true},
	opDIVU:   {name: "divu", run: runFast, rd: true, jit: true},
	opREM:    {name: "rem", run: runFast, rd: true, jit: true},
	opREMU:   {name: "remu", run: runFast, rd: true, jit: true},
	opMULW:   {name: "mulw", run: runFast, rd: true, jit: true},
	opDIVW:   {name: "divw", run: runFast, rd: true, jit: true},
	opDIVUW:  {name: "divuw", run: runFast, rd: true, jit: true},
	opREMW:   {name: "remw", run: runFast, rd: true, jit: true},
	opREMUW:  {name: "remuw", run: runFast, rd: true, jit: true},

	opLRW:      {name: "lr.w", run: runSlow, rd: true, mem: memLR, size: 4},
	opLRD:      {name: "lr.d", run: runSlow, rd: true, mem: memLR, size: 8},
	opSCW:      {name: "sc.w", run: runSlow, rd: true, mem: memSC, size: 4},
	opSCD:      {name: "sc.d", run: runSlow, rd: true, mem: memSC, size: 8},
	opAMOSWAPW: {name: "amoswap.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOADDW:  {name: "amoadd.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOXORW:  {name: "amoxor.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOANDW:  {name: "amoand.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOORW:   {name: "amoor.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOMINW:  {name: "amomin.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOMAXW:  {name: "amomax.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOMINUW: {name: "amominu.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOMAXUW: {name: "amomaxu.w", run: runSlow, rd: true, mem: memAMO, size: 4},
	opAMOSWAPD: {name: "amoswap.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOADDD:  {name: "amoadd.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOXORD:  {name: "amoxor.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOANDD:  {name: "amoand.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOORD:   {name: "amoor.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOMIND:  {name: "amomin.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOMAXD:  {name: "amomax.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOMINUD: {name: "amominu.d", run: runSlow, rd: true, mem: memAMO, size: 8},
	opAMOMAXUD: {name: "amomaxu.d", run: runSlow, rd: true, mem: memAMO, size: 8},

	opMRET:      {name: "mret", run: runSlow},
	opSRET:      {name: "sret", run: runSlow},
	opWFI:       {name: "wfi", run: runSlow},
	opSFENCEVMA: {name: "sfence.vma", run: runSlow},
}

// What the hot paths index by op, derived from ops: arrays of small
// values, as fast as the hand-written tables they replace. (Variable
// initializers, not init: decode.go's init uses opByName.)
var (
	// endsBlock is true for the ops after which a block ends: control
	// transfers, and everything fast does not run itself.
	endsBlock = opTable(func(i opInfo) bool { return i.jump || i.run != runFast && i.run != runFastMem })
	// loadSize and storeSize are the access sizes of plain loads and
	// stores (0 for every other op).
	loadSize  = opTable(func(i opInfo) uint64 { return sizeIf(i, memLoad) })
	storeSize = opTable(func(i opInfo) uint64 { return sizeIf(i, memStore) })
	// opByName maps spec.Insts mnemonics (32-bit forms) to ops.
	// Compressed rows reach an op through their expansion.
	opByName = func() map[string]op {
		m := map[string]op{}
		for o, i := range ops {
			for _, n := range []string{i.name, i.also} {
				if n != "" {
					m[n] = op(o)
				}
			}
		}
		return m
	}()
)

// opTable is f of every op's facts, as an array indexed by op.
func opTable[T any](f func(opInfo) T) (t [numOps]T) {
	for o, i := range ops {
		t[o] = f(i)
	}
	return t
}

func sizeIf(i opInfo, k memKind) uint64 {
	if i.mem == k {
		return uint64(i.size)
	}
	return 0
}

// writesRd reports whether the op writes its rd field (for Retire.Rd).
func (o op) writesRd() bool { return ops[o].rd }

func (o op) String() string {
	if o < numOps && ops[o].name != "" {
		return ops[o].name
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}
