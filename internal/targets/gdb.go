package targets

import (
	"fmt"
	"net"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// gdb:HOST:PORT is any GDB remote-serial-protocol stub, stopped at the
// reset of the program being compared (docs/external.md): diff/gdb
// single-steps it.
func init() {
	RegisterPrefix("gdb", func(arg string) (Factory, error) {
		if _, _, err := net.SplitHostPort(arg); err != nil {
			return nil, fmt.Errorf("want gdb:HOST:PORT: %v", err)
		}
		return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
			c, err := gdb.Dial(arg, 0)
			if err != nil {
				return nil, err
			}
			var toHost uint64
			if img != nil {
				toHost = img.ToHost
			}
			t, err := gdb.NewTarget(c, gdb.Options{Config: cfg, ToHost: toHost})
			if err != nil {
				c.Close()
				return nil, err
			}
			return closingTarget{t}, nil
		}, nil
	})
}

// closingTarget closes a gdb target's connection (detaching from the
// stub) on Close.
type closingTarget struct{ *gdb.Target }

func (c closingTarget) Close() error { return c.Client().Close() }

// Memory adapts a model's physical memory for the servers (gdb and
// RVFI-DII stubs): refmodel's ReadPhys/WritePhys, the engine's
// ReadRAM/WriteRAM, with the boot ROM read from the reset image (it is
// read-only). It reports false for a target with neither.
func Memory(t diff.Target, img *boot.Image) (diff.Memory, bool) {
	switch m := t.(type) {
	case interface {
		ReadRAM(pa uint64, buf []byte) error
		WriteRAM(pa uint64, data []byte) error
	}:
		read := func(pa uint64, buf []byte) error {
			if pa < spec.RAMBase && img != nil {
				for _, s := range img.Segments {
					if pa >= s.Addr && pa-s.Addr+uint64(len(buf)) <= s.MemSize {
						clear(buf)
						if pa-s.Addr < uint64(len(s.Data)) {
							copy(buf, s.Data[pa-s.Addr:])
						}
						return nil
					}
				}
			}
			return m.ReadRAM(pa, buf)
		}
		return ramMemory{read, m.WriteRAM}, true
	case interface {
		ReadPhys(addr uint64, size int) (uint64, bool)
		WritePhys(addr uint64, size int, v uint64) bool
	}:
		return ramMemory{
			read: func(pa uint64, buf []byte) error {
				for i := range buf {
					v, ok := m.ReadPhys(pa+uint64(i), 1)
					if !ok {
						return fmt.Errorf("no memory at %#x", pa+uint64(i))
					}
					buf[i] = byte(v)
				}
				return nil
			},
			write: func(pa uint64, data []byte) error {
				for i, b := range data {
					if !m.WritePhys(pa+uint64(i), 1, uint64(b)) {
						return fmt.Errorf("no memory at %#x", pa+uint64(i))
					}
				}
				return nil
			},
		}, true
	}
	return nil, false
}

type ramMemory struct {
	read  func(pa uint64, buf []byte) error
	write func(pa uint64, data []byte) error
}

func (m ramMemory) ReadMem(pa uint64, buf []byte) error   { return m.read(pa, buf) }
func (m ramMemory) WriteMem(pa uint64, data []byte) error { return m.write(pa, data) }

// ServedNames lists the registered targets a server can serve: the
// built-in models (not the prefixes, which are external themselves).
func ServedNames() []string {
	var out []string
	for _, n := range Names() {
		if !strings.Contains(n, ":") && n != "qemu" {
			out = append(out, n)
		}
	}
	return out
}
