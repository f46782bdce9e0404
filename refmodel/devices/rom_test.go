package devices

import (
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

func TestROM(t *testing.T) {
	data := []byte{0x97, 0x02, 0x00, 0x00, 0x13, 0x06, 0x00, 0x02, 0xaa, 0xbb}
	r := NewROM(spec.BootROMBase, data)
	data[0] = 0 // the ROM holds a copy
	if r.Base() != spec.BootROMBase || r.Size() != 10 {
		t.Fatalf("window = %#x+%#x", r.Base(), r.Size())
	}
	run(t, r, []access{
		ld(0, 4, 0x00000297),
		ld(0, 8, 0x0200061300000297),
		ld(1, 2, 0x0002), // misaligned reads of memory succeed
		ld(9, 1, 0xbb),
		st(0, 4, 0xffffffff), // dropped, as QEMU's ROM drops it
		ld(0, 4, 0x00000297),
		ldFault(8, 4), // runs past the end
		stFault(9, 2),
		ldFault(10, 1),
	})
}
