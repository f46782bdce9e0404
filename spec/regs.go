package spec

import "fmt"

// RegNames are the integer registers' ABI names, as GNU tools print them
// (RISC-V psABI, Table 1.1).
var RegNames = [32]string{
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
}

// ArchState is a full snapshot of one hart's architectural state, for
// strict-mode comparison. CSRs holds every CSR of the table by address, as
// an M-mode read would return it.
type ArchState struct {
	Hart int
	PC   uint64
	Mode Mode
	X    [32]uint64
	CSRs map[uint16]uint64
}

// Exit is how a machine stopped.
type Exit struct {
	Reason HaltReason
	Code   int    // the program's exit code: 0 for a pass
	Detail string // human-readable detail (e.g. "HTIF tohost=0x3: test 1 failed")
}

// String describes the exit for people: "finisher, exit code 0 (detail)",
// or "still running".
func (e Exit) String() string {
	if e.Reason == Running {
		return "still running"
	}
	s := fmt.Sprintf("%s, exit code %d", e.Reason, e.Code)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}
