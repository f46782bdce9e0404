package gdb

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
)

func read(s string) (item, error) { return readItem(bufio.NewReader(strings.NewReader(s))) }

func TestFrame(t *testing.T) {
	// The GDB manual's own example checksum: "$g#67".
	if got := string(Frame([]byte("g"))); got != "$g#67" {
		t.Errorf("Frame(g) = %q", got)
	}
	// '$', '#', '}' and '*' are escaped with '}' and XOR 0x20.
	got := Frame([]byte("a$b#c}d*"))
	if !bytes.Contains(got, []byte("a}\x04b}\x03c}]d}\x0a")) {
		t.Errorf("escapes: %q", got)
	}
	it, err := read(string(got))
	if err != nil || it.bad || string(it.payload) != "a$b#c}d*" {
		t.Errorf("round trip: %q bad=%v err=%v", it.payload, it.bad, err)
	}
}

func TestReadItem(t *testing.T) {
	// Run-length encoding: "0* " is '0' repeated 1+(' '-29)=4 times.
	it, err := read("$0* #" + checksum("0* "))
	if err != nil || string(it.payload) != "0000" {
		t.Errorf("RLE: %q %v", it.payload, err)
	}
	if it, err := read("+"); err != nil || it.kind != '+' {
		t.Errorf("ack: %+v %v", it, err)
	}
	if it, err := read("\x03"); err != nil || it.kind != 0x03 {
		t.Errorf("interrupt: %+v %v", it, err)
	}
	if it, err := read("noise$OK#9a"); err != nil || string(it.payload) != "OK" || it.bad {
		t.Errorf("noise then a packet: %+v %v", it, err)
	}
	if it, err := read("$OK#00"); err != nil || !it.bad {
		t.Errorf("bad checksum not flagged: %+v %v", it, err)
	}
	for name, in := range map[string]string{
		"checksum not hex":   "$OK#zz",
		"dollar inside":      "$O$K#00",
		"rle at start":       "$* #00",
		"rle count too low":  "$a*\x01#00",
		"truncated":          "$OK#9",
		"packet too long":    "$" + strings.Repeat("a", MaxPacket+1) + "#00",
		"rle bomb":           "$a" + strings.Repeat("*~", MaxPacket/90+10) + "#00",
		"noise without end":  strings.Repeat("z", MaxPacket+2),
		"escape at the end":  "$}",
		"rle count missing":  "$a*",
		"empty stream":       "",
		"unterminated data":  "$abc",
		"checksum one digit": "$a#6",
	} {
		if _, err := read(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err = read("$a*\x01#00")
	if !errors.Is(err, ErrProtocol) {
		t.Errorf("protocol errors wrap ErrProtocol: %v", err)
	}
}

func checksum(s string) string {
	var sum byte
	for i := 0; i < len(s); i++ {
		sum += s[i]
	}
	const hexd = "0123456789abcdef"
	return string([]byte{hexd[sum>>4], hexd[sum&15]})
}

func TestParseStopReply(t *testing.T) {
	for in, want := range map[string]StopReply{
		"S05":                         {Kind: 'S', Signal: 5},
		"T05thread:p01.01;":           {Kind: 'T', Signal: 5, Thread: "p01.01"},
		"T05thread:1;swbreak:;":       {Kind: 'T', Signal: 5, Thread: "1", Reason: "swbreak"},
		"W00":                         {Kind: 'W', Signal: 0},
		"W01;process:1":               {Kind: 'W', Signal: 1},
		"X09":                         {Kind: 'X', Signal: 9},
		"T02thread:2;watch:80001000;": {Kind: 'T', Signal: 2, Thread: "2", Reason: "watch"},
	} {
		got, err := ParseStopReply(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "OK", "T", "Tzz", "W", "Wxyz", "E01", "S5"} {
		if _, err := ParseStopReply(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// A target description shaped as QEMU 7.2's RISC-V one: a main document
// that includes the cpu feature (registers numbered from 0 in order), the
// virtual feature (priv) and CSRs with explicit regnums.
var testDocs = map[string]string{
	"target.xml": `<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target><architecture>riscv:rv64</architecture>` +
		`<xi:include href="cpu.xml"/><xi:include href="virtual.xml"/><xi:include href="csr.xml"/></target>`,
	"cpu.xml": `<?xml version="1.0"?><feature name="org.gnu.gdb.riscv.cpu">` + func() string {
		var b strings.Builder
		for _, n := range abiNames {
			b.WriteString(`<reg name="` + n + `" bitsize="64" type="int"/>`)
		}
		return b.String()
	}() + `<reg name="pc" bitsize="64" type="code_ptr"/></feature>`,
	"virtual.xml": `<?xml version="1.0"?><feature name="org.gnu.gdb.riscv.virtual"><reg name="priv" bitsize="64"/></feature>`,
	"csr.xml":     `<?xml version="1.0"?><feature name="org.gnu.gdb.riscv.csr"><reg name="mstatus" bitsize="64" regnum="802"/><reg name="mtvec" bitsize="64" regnum="807"/></feature>`,
}

func fetchDoc(name string) ([]byte, error) {
	d, ok := testDocs[name]
	if !ok {
		return nil, errors.New("no such document")
	}
	return []byte(d), nil
}

func TestParseTargetXML(t *testing.T) {
	regs, err := ParseTargetXML([]byte(testDocs["target.xml"]), fetchDoc)
	if err != nil {
		t.Fatal(err)
	}
	for name, num := range map[string]int{"zero": 0, "sp": 2, "t6": 31, "pc": 32, "priv": 33, "mstatus": 802, "mtvec": 807} {
		r, ok := regs.Lookup(name)
		if !ok || r.Num != num || r.Bits != 64 {
			t.Errorf("%s: %+v %v, want number %d", name, r, ok, num)
		}
	}
	for name, doc := range map[string]string{
		"no registers":    `<target></target>`,
		"bad bitsize":     `<feature><reg name="x" bitsize="7"/></feature>`,
		"bad regnum":      `<feature><reg name="x" bitsize="64" regnum="-3"/></feature>`,
		"not xml":         `<target><reg`,
		"missing include": `<target><xi:include href="nope.xml"/></target>`,
		"self include":    `<target><xi:include href="target.xml"/><xi:include href="target.xml"/></target>`,
	} {
		if _, err := ParseTargetXML([]byte(doc), func(n string) ([]byte, error) {
			if n == "target.xml" {
				return []byte(`<feature><reg name="a" bitsize="64"/></feature>`), nil
			}
			return fetchDoc(n)
		}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzReadItem(f *testing.F) {
	f.Add([]byte("$g#67"))
	f.Add([]byte("$0* #" + checksum("0* ")))
	f.Add([]byte("+-\x03$}]#00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 100; i++ {
			it, err := readItem(r)
			if err != nil {
				return
			}
			if len(it.payload) > MaxPacket {
				t.Fatalf("payload of %d bytes", len(it.payload))
			}
			if it.kind == '$' && !it.bad {
				again, err := readItem(bufio.NewReader(bytes.NewReader(Frame(it.payload))))
				if err != nil || !bytes.Equal(again.payload, it.payload) {
					t.Fatalf("Frame does not round-trip %q: %q %v", it.payload, again.payload, err)
				}
			}
		}
	})
}

func FuzzParseStopReply(f *testing.F) {
	for _, s := range []string{"T05thread:p01.01;", "W00", "S05", "X09", "T05swbreak:;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseStopReply(s)
		if err == nil && !strings.ContainsRune("STWX", rune(r.Kind)) {
			t.Fatalf("kind %q accepted", r.Kind)
		}
	})
}

func FuzzParseTargetXML(f *testing.F) {
	f.Add([]byte(testDocs["target.xml"]))
	f.Add([]byte(testDocs["csr.xml"]))
	f.Fuzz(func(t *testing.T, b []byte) {
		regs, err := ParseTargetXML(b, fetchDoc)
		if err == nil && len(regs.List) == 0 {
			t.Fatal("a description with no registers was accepted")
		}
	})
}
