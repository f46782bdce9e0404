package engine

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func TestSmokeFinisher(t *testing.T) {
	m, _ := runAsm(t, prelude+`
_start:
	li a0, 5
	li a1, 7
	add a2, a0, a1
	li t0, 12
	bne a2, t0, bad
	PASS
bad:
	FAIL(3)
`, 1000)
	if e := m.Exit(); e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("exit = %+v", e)
	}
}
