//go:build linux && !race

#include "textflag.h"

// func callJIT(code uintptr, h *Hart, left uint64)
// The compiled code uses every general register but SP, BP and R14 (g);
// in ABI0 all of them are the caller's to save, and the ABI wrapper
// restores R14 for the Go caller.
TEXT ·callJIT(SB), NOSPLIT, $0-24
	MOVQ code+0(FP), AX
	MOVQ h+8(FP), DI
	MOVQ left+16(FP), R15
	CALL AX
	RET
