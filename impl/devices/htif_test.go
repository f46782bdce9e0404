package devices

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// ram is a Memory of n bytes at spec.RAMBase that logs the device's writes.
type ram struct {
	b      []byte
	stores []uint64 // addresses Store64 wrote
}

func (r *ram) Bytes(pa, n uint64) ([]byte, bool) {
	size := uint64(len(r.b))
	if pa < spec.RAMBase || n > size || pa-spec.RAMBase > size-n {
		return nil, false
	}
	return r.b[pa-spec.RAMBase : pa-spec.RAMBase+n], true
}

func (r *ram) Store64(pa, v uint64) {
	binary.LittleEndian.PutUint64(r.b[pa-spec.RAMBase:], v)
	r.stores = append(r.stores, pa)
}

func (r *ram) word(pa uint64) uint64 { return binary.LittleEndian.Uint64(r.b[pa-spec.RAMBase:]) }

const (
	toHost   = spec.RAMBase + 0x1000
	fromHost = spec.RAMBase + 0x1040
)

// guestStore stores v to RAM at pa as a guest would and tells the HTIF.
func guestStore(d *HTIF, r *ram, pa, v uint64) (spec.Exit, bool) {
	binary.LittleEndian.PutUint64(r.b[pa-spec.RAMBase:], v)
	return d.Written(pa, 8, r)
}

func TestHTIFExit(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want spec.Exit
	}{
		{1, spec.Exit{Reason: spec.HaltHTIF, Detail: "HTIF tohost=0x1: pass"}},
		{7, spec.Exit{Reason: spec.HaltHTIF, Code: 3, Detail: "HTIF tohost=0x7: test 3 failed"}},
	} {
		r := &ram{b: make([]byte, 1<<16)}
		d := NewHTIF(toHost, fromHost)
		if e, halt := guestStore(d, r, toHost, tc.v); !halt || e != tc.want {
			t.Errorf("tohost=%#x: %+v, %v; want %+v", tc.v, e, halt, tc.want)
		}
		if len(r.stores) != 0 {
			t.Errorf("tohost=%#x: an exit answered (wrote %#x)", tc.v, r.stores)
		}
	}
}

func TestHTIFIgnores(t *testing.T) {
	r := &ram{b: make([]byte, 1<<16)}
	d := NewHTIF(toHost, fromHost)
	// Writes that miss tohost, and a zero tohost, are plain RAM.
	for _, pa := range []uint64{toHost - 8, toHost + 8, fromHost} {
		if _, halt := guestStore(d, r, pa, 1); halt {
			t.Errorf("a write at %#x halted", pa)
		}
	}
	binary.LittleEndian.PutUint64(r.b[toHost-spec.RAMBase:], 0)
	if _, halt := d.Written(toHost+4, 1, r); halt || len(r.stores) != 0 {
		t.Error("a zero tohost ran a command")
	}
	// No mailbox at all.
	if _, halt := guestStore(NewHTIF(0, 0), r, toHost, 1); halt {
		t.Error("an HTIF without tohost halted")
	}
	// A device 2 command is left alone.
	if _, halt := guestStore(d, r, toHost, 2<<56|1); halt || len(r.stores) != 0 || r.word(toHost) != 2<<56|1 {
		t.Error("a device-2 command was answered")
	}
}

func TestHTIFConsole(t *testing.T) {
	r := &ram{b: make([]byte, 1<<16)}
	d := NewHTIF(toHost, fromHost)
	var out bytes.Buffer
	d.out = &out
	for _, c := range []byte("ok\n") {
		if _, halt := guestStore(d, r, toHost, 1<<56|1<<48|uint64(c)); halt {
			t.Fatal("console output halted")
		}
		if r.word(toHost) != 0 || r.word(fromHost) != 1<<56|1<<48 {
			t.Fatalf("answer: tohost %#x fromhost %#x", r.word(toHost), r.word(fromHost))
		}
	}
	if out.String() != "ok\n" {
		t.Errorf("console %q", out.String())
	}
	// Without fromhost only tohost is cleared.
	r2 := &ram{b: make([]byte, 1<<16)}
	guestStore(NewHTIF(toHost, 0), r2, toHost, 1<<56|1<<48|'x')
	if len(r2.stores) != 1 || r2.stores[0] != toHost {
		t.Errorf("without fromhost the device wrote %#x", r2.stores)
	}
}

func TestHTIFSyscallWrite(t *testing.T) {
	r := &ram{b: make([]byte, 1<<16)}
	d := NewHTIF(toHost, fromHost)
	var out bytes.Buffer
	d.out = &out
	magic, buf := uint64(spec.RAMBase+0x2000), uint64(spec.RAMBase+0x3000)
	copy(r.b[buf-spec.RAMBase:], "hello")
	for i, v := range []uint64{64, 1, buf, 5} {
		binary.LittleEndian.PutUint64(r.b[magic-spec.RAMBase+8*uint64(i):], v)
	}
	if _, halt := guestStore(d, r, toHost, magic); halt {
		t.Fatal("a syscall halted")
	}
	if out.String() != "hello" || r.word(magic) != 5 || r.word(toHost) != 0 || r.word(fromHost) != 1 {
		t.Errorf("write(2): output %q, result %d, tohost %#x, fromhost %#x", out.String(), r.word(magic), r.word(toHost), r.word(fromHost))
	}
	// A buffer outside RAM prints nothing but still answers.
	out.Reset()
	binary.LittleEndian.PutUint64(r.b[magic-spec.RAMBase+16:], spec.RAMBase+0xfffe)
	guestStore(d, r, toHost, magic)
	if out.Len() != 0 || r.word(toHost) != 0 {
		t.Errorf("write(2) past RAM printed %q (tohost %#x)", out.String(), r.word(toHost))
	}
	// Other syscalls are answered without a result; a block outside RAM too.
	for _, m := range []uint64{magic, spec.RAMBase + 0xfff0} {
		binary.LittleEndian.PutUint64(r.b[magic-spec.RAMBase:], 93)
		r.stores = nil
		guestStore(d, r, toHost, m)
		if len(r.stores) != 2 || r.stores[0] != toHost || r.stores[1] != fromHost {
			t.Errorf("syscall block %#x: the device wrote %#x, want only tohost and fromhost", m, r.stores)
		}
	}
}
