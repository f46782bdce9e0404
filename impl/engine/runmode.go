package engine

import "github.com/vcheck-dev/vcheck/spec"

// What diff's run mode (diff.Runner, diff.FastPath, diff.ParallelRunner)
// needs beyond Run, Retired, SetConsole and RunParallel: memory and
// device registers as a checker compares them, in plain types.

// RAMPages calls visit for every 4 KiB page of RAM that may hold a
// nonzero byte, with its physical address: the pages written since the
// machine was built or reset (Machine.dirty); the others are zero. An
// emulator's RAM is its VMM's, written where the machine does not see
// it: there every page is visited. visit must not keep page.
func (m *Machine) RAMPages(visit func(pa uint64, page []byte)) {
	for off := uint64(0); off+4096 <= uint64(len(m.ram)); off += 4096 {
		if p := off >> 12; m.emulator || m.dirty[p>>6]&(1<<(p&63)) != 0 {
			visit(spec.RAMBase+off, m.ram[off:off+4096:off+4096])
		}
	}
}

// ReadPhys loads size bytes (1, 2, 4 or 8) at physical address pa as a
// hart's load reaches the bus, without translation or PMP: RAM, the boot
// ROM, or a device register (a load of a register with side effects has
// them). false: nothing answers there with that size.
func (m *Machine) ReadPhys(pa uint64, size int) (uint64, bool) {
	switch size {
	case 1, 2, 4, 8:
	default:
		return 0, false
	}
	v, _, ok := m.devLoad(pa, uint64(size))
	return v, ok
}

// FastPath says what Run adds over Step: blocks, the TLB fast path and,
// where the compiler is on, compiled code and chaining.
func (m *Machine) FastPath() string {
	if m.jitOn {
		return "blocks, the TLB fast path, compiled x86-64 code, chaining"
	}
	return "blocks, the TLB fast path (interpreted)"
}
