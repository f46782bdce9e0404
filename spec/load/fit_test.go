package load

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
)

// seq returns n bytes 0, 1, 2, ... so that a cut shows where it was made.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestFit cuts segments to the boot ROM and RAM as QEMU's rom_reset
// writes them, and says what it left out.
func TestFit(t *testing.T) {
	cfg := spec.DefaultConfig() // RAM [0x80000000, 0x88000000), ROM [0x1000, 0x10000)
	ramEnd := uint64(spec.RAMBase) + cfg.RAM
	headers := append([]byte("\x7fELF"), seq(0x1000+0x10-4)...)
	for _, tt := range []struct {
		name    string
		seg     Segment
		kept    []Segment
		dropped []Dropped
	}{
		{"inside RAM", Segment{Addr: 0x80000000, Data: seq(16), MemSize: 32},
			[]Segment{{Addr: 0x80000000, Data: seq(16), MemSize: 32}}, nil},
		{"gcc's first segment: ELF headers a page below RAM", Segment{Addr: 0x7ffff000, Data: headers, MemSize: 0x1010},
			[]Segment{{Addr: 0x80000000, Data: headers[0x1000:], MemSize: 0x10}},
			[]Dropped{{Segment: 0, Addr: 0x7ffff000, End: 0x80000000, Headers: true}}},
		{"past the end of RAM, bss included", Segment{Addr: ramEnd - 8, Data: seq(4), MemSize: 32},
			[]Segment{{Addr: ramEnd - 8, Data: seq(4), MemSize: 8}},
			[]Dropped{{Segment: 0, Addr: ramEnd, End: ramEnd + 24}}},
		{"data ends in the part left out", Segment{Addr: ramEnd - 8, Data: seq(16), MemSize: 16},
			[]Segment{{Addr: ramEnd - 8, Data: seq(8), MemSize: 8}},
			[]Dropped{{Segment: 0, Addr: ramEnd, End: ramEnd + 8}}},
		{"over the ROM, the devices and RAM", Segment{Addr: 0xf000, Data: seq(0x2000), MemSize: 0x80000010 - 0xf000},
			[]Segment{{Addr: 0xf000, Data: seq(0x1000), MemSize: 0x1000}, {Addr: 0x80000000, Data: []byte{}, MemSize: 0x10}},
			[]Dropped{{Segment: 0, Addr: 0x10000, End: 0x80000000}}},
		{"wholly in device space", Segment{Addr: 0x10000000, Data: seq(8), MemSize: 8},
			nil, []Dropped{{Segment: 0, Addr: 0x10000000, End: 0x10000008}}},
		{"below the ROM", Segment{Addr: 0x800, Data: seq(0x1000), MemSize: 0x1000},
			[]Segment{{Addr: 0x1000, Data: seq(0x1000)[0x800:], MemSize: 0x800}},
			[]Dropped{{Segment: 0, Addr: 0x800, End: 0x1000}}},
		{"ends at 2^64", Segment{Addr: 1<<64 - 0x10, Data: seq(4), MemSize: 0x10},
			nil, []Dropped{{Segment: 0, Addr: 1<<64 - 0x10, End: 0}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &Program{Name: "p.elf", Entry: 0x80000000, Segments: []Segment{tt.seg}}
			got, dropped := Fit(p, cfg)
			if len(got.Segments) != len(tt.kept) {
				t.Fatalf("kept %d segments %+v, want %d", len(got.Segments), got.Segments, len(tt.kept))
			}
			for i, s := range got.Segments {
				w := tt.kept[i]
				if s.Addr != w.Addr || s.MemSize != w.MemSize || !bytes.Equal(s.Data, w.Data) {
					t.Errorf("kept segment %d: %#x +%#x with %d bytes, want %#x +%#x with %d bytes", i, s.Addr, s.MemSize, len(s.Data), w.Addr, w.MemSize, len(w.Data))
				}
			}
			if len(dropped) != len(tt.dropped) {
				t.Fatalf("dropped %+v, want %+v", dropped, tt.dropped)
			}
			for i, d := range dropped {
				w := tt.dropped[i]
				if d.Segment != w.Segment || d.Addr != w.Addr || d.End != w.End || d.Headers != w.Headers || d.Where == "" {
					t.Errorf("dropped %d: %+v, want %+v", i, d, w)
				}
			}
			if got.Entry != p.Entry || len(p.Segments) != 1 || p.Segments[0].Addr != tt.seg.Addr {
				t.Errorf("Fit changed its input or the entry")
			}
		})
	}
}

// TestDroppedSays names the range, the segment and why, and recognizes
// the ELF headers.
func TestDroppedSays(t *testing.T) {
	p := &Program{Name: "hi.elf", Segments: []Segment{{Addr: 0x7ffff000, Data: append([]byte("\x7fELF"), seq(0x1100)...), MemSize: 0x1104}}}
	_, dropped := Fit(p, spec.DefaultConfig())
	if len(dropped) != 1 {
		t.Fatalf("dropped %+v", dropped)
	}
	msg := dropped[0].String()
	for _, want := range []string{"[0x7ffff000, 0x80000000)", "segment 0", "0x1000 bytes", "below RAM (0x80000000)", "ELF headers"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	_, dropped = Fit(&Program{Segments: []Segment{{Addr: 0x88000000, Data: seq(4), MemSize: 4}}}, spec.DefaultConfig())
	if len(dropped) != 1 || !strings.Contains(dropped[0].String(), "above the end of RAM (0x88000000)") || dropped[0].Headers {
		t.Errorf("above RAM: %+v", dropped)
	}
}

func TestLoadBase(t *testing.T) {
	p := &Program{Segments: []Segment{{Addr: 0x80201000, MemSize: 1}, {Addr: 0x801ff000, MemSize: 1}}}
	if b := p.LoadBase(); b != 0x801ff000 {
		t.Errorf("LoadBase = %#x", b)
	}
	if b := (&Program{}).LoadBase(); b != 0 {
		t.Errorf("LoadBase of nothing = %#x", b)
	}
}
