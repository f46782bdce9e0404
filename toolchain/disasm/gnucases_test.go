package disasm

// Golden cases: objdump's text for a few thousand words, checked in so
// that this test runs without binutils. Regenerate (needs
// riscv64-unknown-elf-as and -objdump 2.40):
//
//	go test ./toolchain/disasm -run TestGNUCases -update-gnucases

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
)

const gnuCasesFile = "testdata/gnucases.txt"

// gnuCase is one objdump line: the instruction at addr in a stream that
// starts at 0, its bytes (as objdump prints them) and its text.
type gnuCase struct {
	addr uint64
	hex  string
	text string
}

func writeGNUCases(t *testing.T) {
	words := genWords(rand.New(rand.NewSource(7)), 8, 100)
	// genWords adds every CSR number; keep a sample of them.
	var keep []uint32
	for i, w := range words {
		if w&0x7f == 0x73 && i%8 != 0 {
			continue
		}
		keep = append(keep, w)
	}
	gnu := gnuDisassemble(t, keep, [][]string{modes[0].args, modes[1].args})
	var b strings.Builder
	b.WriteString("# Generated from GNU objdump 2.40 by: go test ./toolchain/disasm -run TestGNUCases -update-gnucases\n")
	b.WriteString("# Each mode block is one objdump -d run over one .text at address 0 (no symbols);\n")
	b.WriteString("# lines are address<TAB>raw bytes<TAB>instruction text. DO NOT EDIT.\n")
	for mi, m := range modes[:2] {
		fmt.Fprintf(&b, "mode %s\n", m.name)
		for _, l := range gnu[mi] {
			// "   1c:\t00150513          \taddi\ta0,a0,1"
			f := strings.SplitN(l, "\t", 3)
			if len(f) != 3 {
				t.Fatalf("unexpected objdump line %q", l)
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\n", strings.TrimSuffix(strings.TrimSpace(f[0]), ":"), strings.TrimSpace(f[1]), f[2])
		}
	}
	if err := os.WriteFile(gnuCasesFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readGNUCases(t *testing.T) map[string][]gnuCase {
	f, err := os.Open(gnuCasesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases := map[string][]gnuCase{}
	mode := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "mode "):
			mode = strings.TrimPrefix(l, "mode ")
		default:
			p := strings.SplitN(l, "\t", 3)
			if len(p) != 3 {
				t.Fatalf("%s:%d: want address, bytes and text", gnuCasesFile, n)
			}
			a, err := strconv.ParseUint(p[0], 16, 64)
			if err != nil {
				t.Fatalf("%s:%d: address: %v", gnuCasesFile, n, err)
			}
			cases[mode] = append(cases[mode], gnuCase{a, p[1], p[2]})
		}
	}
	return cases
}

// TestGNUCases replays the golden objdump output through a Decoder.
func TestGNUCases(t *testing.T) {
	if *updateGNUCases {
		writeGNUCases(t)
	}
	cases := readGNUCases(t)
	for _, m := range modes[:2] { // the golden file keeps default and no-aliases

		cs := cases[m.name]
		if len(cs) < 1000 {
			t.Fatalf("%s: only %d golden cases", m.name, len(cs))
		}
		var code []byte
		for _, c := range cs {
			raw, err := hex.DecodeString(c.hex)
			if err != nil {
				t.Fatalf("%x: bytes %q: %v", c.addr, c.hex, err)
			}
			for i := len(raw) - 1; i >= 0; i-- { // objdump prints the word, little-endian in memory
				code = append(code, raw[i])
			}
		}
		lines := NewDecoder(m.opts).Block(code, 0, nil, uint64(len(code)))
		if len(lines) != len(cs) {
			t.Fatalf("%s: %d lines, want %d", m.name, len(lines), len(cs))
		}
		bad := 0
		for i, c := range cs {
			if lines[i].Addr != c.addr || lines[i].Text != c.text {
				if bad++; bad < 20 {
					t.Errorf("%s: %x %s: got %x %q, GNU %q", m.name, c.addr, c.hex, lines[i].Addr, lines[i].Text, c.text)
				}
			}
		}
	}
}
