package devices

import (
	"bytes"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// sweepOffsets are the offsets the robustness sweep tries in a device of
// the given window size: every offset of small windows, and the edges and
// a stride of large ones, plus a few past the end.
func sweepOffsets(size uint64) []uint64 {
	var offs []uint64
	if size <= 0x400 {
		for o := uint64(0); o < size+16; o++ {
			offs = append(offs, o)
		}
	} else {
		for o := uint64(0); o < size; o += 0x3f1 { // an odd stride hits odd offsets too
			offs = append(offs, o, o+1, o+4)
		}
		for o := size - 16; o < size+16; o++ {
			offs = append(offs, o)
		}
	}
	return append(offs, 1<<32, 1<<63, ^uint64(0), ^uint64(0)-3)
}

func allDevices() []Device {
	cfg := spec.Config{RAM: 1 << 20, Harts: 2, TimebaseDiv: 1}
	plic := NewPLIC(2)
	uart := NewUART(bytes.NewReader([]byte("input")), &bytes.Buffer{})
	uart.SetIRQ(plic.Line(spec.UARTIRQ))
	return []Device{
		NewROM(spec.BootROMBase, make([]byte, 0x40)),
		NewFinisher(),
		NewCLINT(cfg),
		plic,
		uart,
		NewHTIF(spec.RAMBase, spec.RAMBase+64, newFakeMemory(), &bytes.Buffer{}),
	}
}

// TestEveryAccessIsAnswered is the errors-not-panics rule: any offset, any
// size (the hart's 1, 2, 4, 8 and nonsense ones), loads and stores. A
// failure is ok=false, and a failing access has no value.
func TestEveryAccessIsAnswered(t *testing.T) {
	for _, d := range allDevices() {
		for _, off := range sweepOffsets(d.Size()) {
			for _, size := range []int{-1, 0, 1, 2, 3, 4, 5, 8, 16} {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("%s: access at %#x size %d panicked: %v", d.Name(), off, size, r)
						}
					}()
					v, ok := d.Load(off, size)
					if !ok && v != 0 {
						t.Errorf("%s: failed load at %#x size %d returned %#x", d.Name(), off, size, v)
					}
					if ok && !validSize(size) {
						t.Errorf("%s: load of size %d at %#x succeeded", d.Name(), size, off)
					}
					if ok && off >= d.Size() {
						t.Errorf("%s: load at %#x outside the %#x-byte window succeeded", d.Name(), off, d.Size())
					}
					if ok && size > 0 && v&^sizeMask(size) != 0 {
						t.Errorf("%s: load at %#x size %d returned %#x, wider than the access", d.Name(), off, size, v)
					}
					ok = d.Store(off, size, 0)
					if ok && (!validSize(size) || off >= d.Size()) {
						t.Errorf("%s: store of size %d at %#x succeeded", d.Name(), size, off)
					}
				}()
			}
		}
	}
}

// fakeMemory is a sparse byte map standing in for the bus.
type fakeMemory struct{ bytes map[uint64]byte }

func newFakeMemory() *fakeMemory { return &fakeMemory{bytes: map[uint64]byte{}} }

func (m *fakeMemory) ReadPhys(addr uint64, size int) (uint64, bool) {
	var v uint64
	for i := size - 1; i >= 0; i-- {
		v = v<<8 | uint64(m.bytes[addr+uint64(i)])
	}
	return v, true
}

func (m *fakeMemory) WritePhys(addr uint64, size int, value uint64) bool {
	for i := 0; i < size; i++ {
		m.bytes[addr+uint64(i)] = byte(value >> (8 * i))
	}
	return true
}

func (m *fakeMemory) writeBytes(addr uint64, p []byte) {
	for i, b := range p {
		m.bytes[addr+uint64(i)] = b
	}
}

// access is one guest access in a table test.
type access struct {
	store  bool
	off    uint64
	size   int
	value  uint64 // written, or expected
	wantOK bool
}

// run performs the accesses in order and reports the first mismatch.
func run(t *testing.T, d Device, seq []access) {
	t.Helper()
	for i, a := range seq {
		if a.store {
			if ok := d.Store(a.off, a.size, a.value); ok != a.wantOK {
				t.Errorf("%s step %d: store %#x size %d = %#x: ok=%v, want %v", d.Name(), i, a.off, a.size, a.value, ok, a.wantOK)
			}
			continue
		}
		v, ok := d.Load(a.off, a.size)
		if ok != a.wantOK || (ok && v != a.value) {
			t.Errorf("%s step %d: load %#x size %d = %#x ok=%v, want %#x ok=%v", d.Name(), i, a.off, a.size, v, ok, a.value, a.wantOK)
		}
	}
}

func ld(off uint64, size int, want uint64) access {
	return access{off: off, size: size, value: want, wantOK: true}
}
func st(off uint64, size int, v uint64) access {
	return access{store: true, off: off, size: size, value: v, wantOK: true}
}
func ldFault(off uint64, size int) access { return access{off: off, size: size} }
func stFault(off uint64, size int) access {
	return access{store: true, off: off, size: size}
}

// TestMemoryMap checks each device sits where QEMU 7.2 virt puts it, with
// a name of its own (the machine replaces devices by name).
func TestMemoryMap(t *testing.T) {
	want := map[string][2]uint64{
		"rom":         {spec.BootROMBase, 0x40},
		"sifive_test": {spec.TestBase, spec.TestSize},
		"clint":       {spec.CLINTBase, spec.CLINTSize},
		"plic":        {spec.PLICBase, spec.PLICSize},
		"uart":        {spec.UARTBase, 8},
		"htif":        {spec.RAMBase, 8},
	}
	for _, d := range allDevices() {
		w, ok := want[d.Name()]
		if !ok {
			t.Errorf("unexpected device name %q", d.Name())
			continue
		}
		delete(want, d.Name())
		if d.Base() != w[0] || d.Size() != w[1] {
			t.Errorf("%s: window %#x+%#x, want %#x+%#x", d.Name(), d.Base(), d.Size(), w[0], w[1])
		}
	}
	for name := range want {
		t.Errorf("no device named %q", name)
	}
}

// FuzzDeviceAccesses drives every device with a sequence of accesses and
// ticks decoded from the input: none may panic, and every answer obeys
// the Device contract. go test runs the seeds; go test -fuzz explores.
func FuzzDeviceAccesses(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(bytes.Repeat([]byte{3, 0x31, 2, 7, 0x40, 0, 0, 0, 0, 0, 0, 0}, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		devs := allDevices()
		for len(data) >= 12 {
			op, dev, size := data[0], int(data[1])%len(devs), int(data[2]%9)
			off := uint64(data[3]) | uint64(data[4])<<8 | uint64(data[5])<<16
			var v uint64
			for i := 0; i < 6; i++ {
				v |= uint64(data[6+i]) << (8 * i)
			}
			data = data[12:]
			d := devs[dev]
			switch op % 4 {
			case 0:
				if got, ok := d.Load(off, size); ok && (!validSize(size) || got&^sizeMask(size) != 0) {
					t.Fatalf("%s: load %#x size %d = %#x", d.Name(), off, size, got)
				} else if !ok && got != 0 {
					t.Fatalf("%s: failed load returned %#x", d.Name(), got)
				}
			case 1:
				if ok := d.Store(off, size, v); ok && !validSize(size) {
					t.Fatalf("%s: store of size %d succeeded", d.Name(), size)
				}
			case 2:
				if tk, ok := d.(Ticker); ok {
					tk.Tick()
				}
				if tk, ok := d.(TimerTicker); ok {
					tk.TimerTick()
				}
			case 3:
				if s, ok := d.(InterruptSource); ok {
					if p := s.Pending(int(v % 4)); p&^uint64(spec.AllInterrupts) != 0 {
						t.Fatalf("%s: Pending = %#x", d.Name(), p)
					}
				}
			}
		}
	})
}
