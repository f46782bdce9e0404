//go:build linux && !race

#include "textflag.h"

// func callJIT(code uintptr, x *[256]uint64, ctx *jitCtx)
// The compiled code uses AX, CX, DX, R8-R10, DI and SI only.
TEXT ·callJIT(SB), NOSPLIT, $0-24
	MOVQ code+0(FP), AX
	MOVQ x+8(FP), DI
	MOVQ ctx+16(FP), SI
	CALL AX
	RET
