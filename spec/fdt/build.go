package fdt

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/vcheck-dev/vcheck/spec"
)

// ISA is the riscv,isa string of every cpu node. It is exactly what QEMU
// 7.2 writes for `-cpu rv64` with F, D, H, V, the B sub-extensions,
// Sstc, Svpbmt, Svinval, Svnapot and Zihintpause off
// (riscv_isa_string in target/riscv/cpu.c): QEMU 7.2 does not name Zicntr
// there, although its counters exist, so neither do we; Linux and OpenSBI
// read the counters regardless.
const ISA = "rv64imac_zicsr_zifencei"

// MMUType is the mmu-type of every cpu node. rv64pg implements Sv39 only
// (docs/spec.md), so it says riscv,sv39 where QEMU 7.2's default
// CPU says riscv,sv48: the one property we knowingly differ in.
const MMUType = "riscv,sv39"

// UARTClock is the 16550's clock-frequency, 3.6864 MHz (virt.c: 3686400).
const UARTClock = 3686400

// Options are the parts of the device tree that are not the machine.
type Options struct {
	// Bootargs, when not empty, becomes /chosen/bootargs (QEMU's -append).
	Bootargs string
}

// Build returns the DTB describing cfg's machine with no boot arguments.
func Build(cfg spec.Config) ([]byte, error) { return BuildWith(cfg, Options{}) }

// BuildWith returns the DTB describing cfg's machine: a new slice the
// caller may keep or change.
//
// The DTB is a function of cfg and opts, and a fuzz campaign boots
// thousands of programs on one configuration, so each one is built once
// per process and copied out after that (building it was 8% of a go
// test -fuzz execution).
func BuildWith(cfg spec.Config, opts Options) ([]byte, error) {
	key := builtKey{cfg, opts}
	if dtb, ok := built.Load(key); ok {
		return bytes.Clone(dtb.([]byte)), nil
	}
	t, err := NewTree(cfg, opts)
	if err != nil {
		return nil, err
	}
	dtb, err := t.Encode()
	if err != nil {
		return nil, err
	}
	built.Store(key, bytes.Clone(dtb))
	return dtb, nil
}

type builtKey struct {
	cfg  spec.Config
	opts Options
}

// built holds the DTBs BuildWith made, by configuration and options. A
// process uses a handful of configurations, so it is never pruned.
var built sync.Map

// Phandles of the generated tree. QEMU numbers them in creation order,
// which differs with the hart count; the values carry no meaning, only the
// references do, so ours are simply fixed.
func cpuPhandle(hart int) uint32  { return uint32(1 + 2*hart) }
func intcPhandle(hart int) uint32 { return uint32(2 + 2*hart) }
func plicPhandle(harts int) uint32 {
	return uint32(1 + 2*harts)
}
func testPhandle(harts int) uint32 { return uint32(2 + 2*harts) }

// NewTree returns the device tree of cfg's machine, following QEMU 7.2's
// create_fdt (hw/riscv/virt.c) node for node and property for property,
// in the same order, for the devices rv64pg has. What it leaves out, and
// why:
//
//   - /pmu: rv64pg has no hpmcounters (QEMU's pmu-num=0 still emits it).
//   - /fw-cfg@10100000, /flash@20000000, /platform-bus@4000000,
//     /soc/pci@30000000, /soc/virtio_mmio@10001000..10008000 and
//     /soc/rtc@101000: devices rv64pg does not have.
//   - /chosen/rng-seed: QEMU fills it with random bytes at every boot;
//     rv64pg is deterministic, so the tree must be too.
//   - /cpus/cpu@N/mmu-type is riscv,sv39, not sv48 (see MMUType).
func NewTree(cfg spec.Config, opts Options) (*Tree, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fdt: %w", err)
	}
	h := cfg.Harts
	root := &Node{Props: []Prop{
		{"#address-cells", cells(2)},
		{"#size-cells", cells(2)},
		{"compatible", str("riscv-virtio")},
		{"model", str("riscv-virtio,qemu")},
	}}

	chosen := &Node{Name: "chosen"}
	if opts.Bootargs != "" {
		chosen.Props = append(chosen.Props, Prop{"bootargs", str(opts.Bootargs)})
	}
	chosen.Props = append(chosen.Props, Prop{"stdout-path", str(fmt.Sprintf("/soc/serial@%x", spec.UARTBase))})

	// The sifive_test finisher doubles as a syscon for Linux's generic
	// poweroff and reboot drivers (virt.c, create_fdt_reset).
	syscon := func(name string, value uint32) *Node {
		return &Node{Name: name, Props: []Prop{
			{"value", cells(value)},
			{"offset", cells(0)},
			{"regmap", cells(testPhandle(h))},
			{"compatible", str("syscon-" + name)},
		}}
	}

	memory := &Node{Name: fmt.Sprintf("memory@%x", uint64(spec.RAMBase)), Props: []Prop{
		{"device_type", str("memory")},
		{"reg", reg(spec.RAMBase, cfg.RAM)},
	}}

	cpus := &Node{Name: "cpus", Props: []Prop{
		{"#address-cells", cells(1)},
		{"#size-cells", cells(0)},
		{"timebase-frequency", cells(spec.TimebaseFreq)},
	}}
	cluster := &Node{Name: "cluster0"}
	for i := 0; i < h; i++ {
		cpus.Children = append(cpus.Children, &Node{
			Name: fmt.Sprintf("cpu@%x", i),
			Props: []Prop{
				{"phandle", cells(cpuPhandle(i))},
				{"device_type", str("cpu")},
				{"reg", cells(uint32(i))},
				{"status", str("okay")},
				{"compatible", str("riscv")},
				{"riscv,isa", str(ISA)},
				{"mmu-type", str(MMUType)},
			},
			Children: []*Node{{Name: "interrupt-controller", Props: []Prop{
				{"#interrupt-cells", cells(1)},
				{"interrupt-controller", nil},
				{"compatible", str("riscv,cpu-intc")},
				{"phandle", cells(intcPhandle(i))},
			}}},
		})
		cluster.Children = append(cluster.Children, &Node{
			Name:  fmt.Sprintf("core%d", i),
			Props: []Prop{{"cpu", cells(cpuPhandle(i))}},
		})
	}
	cpus.Children = append(cpus.Children, &Node{Name: "cpu-map", Children: []*Node{cluster}})

	// Per hart, the CLINT raises the M software and M timer interrupts
	// and the PLIC the M and S external interrupts (Priv. spec 1.12
	// Table 3.6 causes 3, 7, 11, 9), in that order, as virt.c lists them.
	var clintIRQs, plicIRQs []uint32
	for i := 0; i < h; i++ {
		clintIRQs = append(clintIRQs, intcPhandle(i), spec.IntMSoftware, intcPhandle(i), spec.IntMTimer)
		plicIRQs = append(plicIRQs, intcPhandle(i), spec.IntMExternal, intcPhandle(i), spec.IntSExternal)
	}

	soc := &Node{Name: "soc", Props: []Prop{
		{"#address-cells", cells(2)},
		{"#size-cells", cells(2)},
		{"compatible", str("simple-bus")},
		{"ranges", nil},
	}, Children: []*Node{
		{Name: fmt.Sprintf("serial@%x", spec.UARTBase), Props: []Prop{
			{"interrupts", cells(spec.UARTIRQ)},
			{"interrupt-parent", cells(plicPhandle(h))},
			{"clock-frequency", cells(UARTClock)},
			{"reg", reg(spec.UARTBase, spec.UARTSize)},
			{"compatible", str("ns16550a")},
		}},
		{Name: fmt.Sprintf("test@%x", spec.TestBase), Props: []Prop{
			{"phandle", cells(testPhandle(h))},
			{"reg", reg(spec.TestBase, spec.TestSize)},
			{"compatible", str("sifive,test1", "sifive,test0", "syscon")},
		}},
		{Name: fmt.Sprintf("plic@%x", spec.PLICBase), Props: []Prop{
			{"phandle", cells(plicPhandle(h))},
			{"riscv,ndev", cells(spec.PLICSources)},
			{"reg", reg(spec.PLICBase, spec.PLICSize)},
			{"interrupts-extended", cells(plicIRQs...)},
			{"interrupt-controller", nil},
			{"compatible", str("sifive,plic-1.0.0", "riscv,plic0")},
			{"#address-cells", cells(0)},
			{"#interrupt-cells", cells(1)},
		}},
		{Name: fmt.Sprintf("clint@%x", spec.CLINTBase), Props: []Prop{
			{"interrupts-extended", cells(clintIRQs...)},
			{"reg", reg(spec.CLINTBase, spec.CLINTSize)},
			{"compatible", str("sifive,clint0", "riscv,clint0")},
		}},
	}}

	root.Children = []*Node{
		chosen,
		syscon("poweroff", spec.FinisherPass),
		syscon("reboot", spec.FinisherReset),
		memory, cpus, soc,
	}
	return &Tree{Root: root}, nil
}

// reg encodes one {address, size} pair with #address-cells and
// #size-cells of 2, as the root and /soc declare.
func reg(addr, size uint64) []byte {
	return cells(uint32(addr>>32), uint32(addr), uint32(size>>32), uint32(size))
}
