package gdb

import (
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Register is one register a stub describes in its target description.
type Register struct {
	Name    string
	Num     int // the number 'p' and 'P' use
	Bits    int // size in bits
	Feature string
}

// Registers is a stub's register set, by number and by name.
type Registers struct {
	List   []Register // in number order
	byName map[string]Register
}

// Lookup returns a register by name.
func (rs *Registers) Lookup(name string) (Register, bool) {
	r, ok := rs.byName[name]
	return r, ok
}

func newRegisters(list []Register) *Registers {
	sort.SliceStable(list, func(i, j int) bool { return list[i].Num < list[j].Num })
	rs := &Registers{List: list, byName: map[string]Register{}}
	for _, r := range list {
		rs.byName[r.Name] = r
	}
	return rs
}

// DefaultRegisters is the RISC-V layout GDB assumes without a target
// description: x0-x31 (as zero, ra, ...), then pc, each 64 bits.
func DefaultRegisters() *Registers {
	var list []Register
	for i := 0; i < 32; i++ {
		list = append(list, Register{Name: abiNames[i], Num: i, Bits: 64, Feature: "org.gnu.gdb.riscv.cpu"})
	}
	list = append(list, Register{Name: "pc", Num: 32, Bits: 64, Feature: "org.gnu.gdb.riscv.cpu"})
	return newRegisters(list)
}

// abiNames are the register names GDB's riscv-64bit-cpu.xml uses: the
// ABI names, with x8 as fp.
var abiNames = func() [32]string {
	n := spec.RegNames
	n[8] = "fp"
	return n
}()

type xmlTarget struct {
	Includes []xmlInclude `xml:"include"`
	Features []xmlFeature `xml:"feature"`
}

type xmlInclude struct {
	Href string `xml:"href,attr"`
}

type xmlFeature struct {
	Name string   `xml:"name,attr"`
	Regs []xmlReg `xml:"reg"`
}

type xmlReg struct {
	Name    string `xml:"name,attr"`
	Bitsize string `xml:"bitsize,attr"`
	Regnum  string `xml:"regnum,attr"`
}

// ParseTargetXML reads a target description (GDB manual, "Target
// Descriptions"): the main document and, through fetch, the documents
// it includes. Registers without a regnum take the number after the
// previous one, as GDB numbers them.
func ParseTargetXML(main []byte, fetch func(name string) ([]byte, error)) (*Registers, error) {
	var list []Register
	next := 0
	seen := map[string]bool{}
	var walk func(name string, doc []byte, depth int) error
	walk = func(name string, doc []byte, depth int) error {
		if depth > 8 {
			return protoErr("target description: includes nested deeper than 8 at %s", name)
		}
		var t xmlTarget
		// A feature document's root is <feature>; a target's is <target>.
		if strings.Contains(string(doc), "<target") {
			if err := xml.Unmarshal(doc, &t); err != nil {
				return protoErr("target description %s: %v", name, err)
			}
		} else {
			var f xmlFeature
			if err := xml.Unmarshal(doc, &f); err != nil {
				return protoErr("target description %s: %v", name, err)
			}
			t.Features = []xmlFeature{f}
		}
		for _, f := range t.Features {
			for _, r := range f.Regs {
				bits, err := strconv.Atoi(r.Bitsize)
				if err != nil || bits <= 0 || bits > 1024 || bits%8 != 0 {
					return protoErr("target description %s: register %q: bitsize %q", name, r.Name, r.Bitsize)
				}
				num := next
				if r.Regnum != "" {
					if num, err = strconv.Atoi(r.Regnum); err != nil || num < 0 || num > 1<<16 {
						return protoErr("target description %s: register %q: regnum %q", name, r.Name, r.Regnum)
					}
				}
				list = append(list, Register{Name: r.Name, Num: num, Bits: bits, Feature: f.Name})
				next = num + 1
			}
		}
		for _, inc := range t.Includes {
			if seen[inc.Href] {
				return protoErr("target description: %s included twice", inc.Href)
			}
			seen[inc.Href] = true
			sub, err := fetch(inc.Href)
			if err != nil {
				return fmt.Errorf("target description: %s: %w", inc.Href, err)
			}
			if err := walk(inc.Href, sub, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk("target.xml", main, 0); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, protoErr("target description names no registers")
	}
	return newRegisters(list), nil
}
