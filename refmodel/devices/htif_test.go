package devices

import (
	"bytes"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

const (
	testToHost   = 0x80001000
	testFromHost = 0x80001040
	testMagic    = 0x80002000
	testBuf      = 0x80003000
)

func newTestHTIF() (*HTIF, *fakeMemory, *bytes.Buffer) {
	mem := newFakeMemory()
	var out bytes.Buffer
	return NewHTIF(testToHost, testFromHost, mem, &out), mem, &out
}

func TestHTIFExit(t *testing.T) {
	tests := []struct {
		name   string
		stores []access
		code   int
	}{
		{"sd 1: pass", []access{st(0, 8, 1)}, 0},
		{"sd (3<<1)|1: test 3 failed", []access{st(0, 8, 7)}, 3},
		// riscv-tests' write_tohost: sw TESTNUM, tohost; sw zero, tohost+4.
		{"sw low, sw high", []access{st(0, 4, 1), st(4, 4, 0)}, 0},
		{"sw low of a failure", []access{st(0, 4, 5<<1|1), st(4, 4, 0)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, _ := newTestHTIF()
			if h.Base() != testToHost || h.Size() != 8 {
				t.Fatalf("window %#x+%d", h.Base(), h.Size())
			}
			run(t, h, tt.stores)
			e, halted := h.Halted()
			if !halted || e.Reason != spec.HaltHTIF || e.Code != tt.code {
				t.Fatalf("Halted() = %+v, %v; want code %d", e, halted, tt.code)
			}
		})
	}
}

func TestHTIFIsMemoryUntilACommand(t *testing.T) {
	h, _, _ := newTestHTIF()
	run(t, h, []access{
		ld(0, 8, 0),
		st(4, 4, 0), // zero is not a command
		ld(0, 8, 0),
		ldFault(4, 8), stFault(7, 2), ldFault(8, 1), // past tohost
	})
	if _, halted := h.Halted(); halted {
		t.Fatal("halted")
	}
}

func TestHTIFSyscallWrite(t *testing.T) {
	h, mem, out := newTestHTIF()
	mem.writeBytes(testBuf, []byte("hello, htif\n"))
	mem.WritePhys(testMagic, 8, htifSysWrite)
	mem.WritePhys(testMagic+8, 8, 1)
	mem.WritePhys(testMagic+16, 8, testBuf)
	mem.WritePhys(testMagic+24, 8, 12)
	h.Store(0, 8, testMagic)
	if out.String() != "hello, htif\n" {
		t.Fatalf("console %q", out.String())
	}
	if ret, _ := mem.ReadPhys(testMagic, 8); ret != 12 {
		t.Fatalf("magic_mem[0] = %d, want 12 bytes written", ret)
	}
	if v, _ := h.Load(0, 8); v != 0 {
		t.Fatalf("tohost = %#x, want cleared by the host", v)
	}
	if v, _ := mem.ReadPhys(testFromHost, 8); v != 1 {
		t.Fatalf("fromhost = %#x, want 1", v)
	}
	if _, halted := h.Halted(); halted {
		t.Fatal("a syscall halted")
	}
	// A bad fd and an unknown call return -errno.
	mem.WritePhys(testMagic, 8, htifSysWrite) // the last call's result replaced the number
	mem.WritePhys(testMagic+8, 8, 7)
	h.Store(0, 8, testMagic)
	if ret, _ := mem.ReadPhys(testMagic, 8); ret != negErrno(errBADF) {
		t.Fatalf("write to fd 7 returned %#x", ret)
	}
	mem.WritePhys(testMagic, 8, 1234)
	h.Store(0, 8, testMagic)
	if ret, _ := mem.ReadPhys(testMagic, 8); ret != negErrno(errNOSYS) {
		t.Fatalf("syscall 1234 returned %#x", ret)
	}
	// sys_exit through the proxy.
	mem.WritePhys(testMagic, 8, htifSysExit)
	mem.WritePhys(testMagic+8, 8, 9)
	h.Store(0, 8, testMagic)
	if e, halted := h.Halted(); !halted || e.Code != 9 {
		t.Fatalf("sys_exit(9): %+v, %v", e, halted)
	}
}

func TestHTIFConsole(t *testing.T) {
	h, mem, out := newTestHTIF()
	h.Store(0, 8, 1<<56|1<<48|'Q')
	if out.String() != "Q" {
		t.Fatalf("console %q", out.String())
	}
	if v, _ := mem.ReadPhys(testFromHost, 8); v != 1<<56|1<<48|0x100|'Q' {
		t.Fatalf("fromhost = %#x", v)
	}
	h.Store(0, 8, 5<<56|1) // unknown device: consumed, no answer
	if v, _ := h.Load(0, 8); v != 0 {
		t.Fatalf("tohost = %#x", v)
	}
	if _, halted := h.Halted(); halted {
		t.Fatal("halted")
	}
}
