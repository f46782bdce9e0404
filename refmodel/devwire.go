package refmodel

import (
	"io"

	"github.com/vcheck-dev/vcheck/refmodel/devices"
	"github.com/vcheck-dev/vcheck/spec"
)

// attachDevices maps the devices of QEMU virt on the bus (hw/riscv/virt.c):
// the sifive_test finisher, the CLINT, the PLIC, the 16550 UART wired to
// PLIC source 10, and, when the program has a tohost symbol, HTIF. The
// UART and HTIF consoles read in and write out. Calling it again (from
// SetConsole) replaces the devices with fresh ones.
func (m *Machine) attachDevices(in io.Reader, out io.Writer) {
	plic := devices.NewPLIC(m.cfg.Harts)
	uart := devices.NewUART(in, out)
	uart.SetIRQ(plic.Line(spec.UARTIRQ))
	m.AddDevice(devices.NewFinisher())
	m.AddDevice(devices.NewCLINT(m.cfg))
	m.AddDevice(plic)
	m.AddDevice(uart)
	if m.img.ToHost != 0 {
		m.AddDevice(devices.NewHTIF(m.img.ToHost, m.img.FromHost, m, out))
	}
}

// WritePhys writes physical memory; with ReadPhys it makes the machine a
// devices.Memory, through which the HTIF host answers.
func (m *Machine) WritePhys(addr uint64, size int, v uint64) bool {
	_, ok := m.bus.store(addr, size, v)
	return ok
}
