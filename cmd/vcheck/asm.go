package main

import (
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

func init() {
	register(&command{
		name:    "asm",
		summary: "assemble GNU-syntax RISC-V source into an ELF executable",
		args:    "FILE.S|-",
		minArgs: 1, maxArgs: 1,
		about: `Assembles and links FILE.S (- for stdin) at --text-base, as GNU as -mno-relax
and ld would, into an ELF executable: -o FILE.elf, by default FILE with its
extension replaced by .elf. A .S file goes through the C preprocessor first
(#include beside the file, #define, #if), as gcc does; a .s file does not.
docs/asm.md lists the directives and what differs from GNU as.

A source that assembles to nothing (no code and no data) is an error, and
so is a binary file given as source.`,
		examples: []example{
			{"vcheck asm hello.S", "writes hello.elf, linked at 0x80000000"},
			{"vcheck asm --text-base 0x80200000 -o kernel.elf kernel.S", ""},
			{"echo 'nop' | vcheck asm --json - | jq .entry", "the layout, without writing a file"},
		},
		exits: map[int]string{
			exitOK:      "assembled (and written)",
			exitFailure: "the source has errors, or assembles to nothing",
		},
		flags: asmFlags,
	})
}

// asmJSON is what --json prints: the linked program's layout.
type asmJSON struct {
	Entry    jsonout.Hex     `json:"entry"`
	Output   string          `json:"output,omitempty"` // the ELF file written, if any
	Segments []asmSegment    `json:"segments"`
	Sections []asmSectionOut `json:"sections"`
	Symbols  []asmSymbolOut  `json:"symbols"`
}

type asmSegment struct {
	Addr     jsonout.Hex `json:"addr"`
	FileSize int         `json:"file_size"`
	MemSize  uint64      `json:"mem_size"`
}

type asmSectionOut struct {
	Name  string      `json:"name"`
	Addr  jsonout.Hex `json:"addr"`
	Size  uint64      `json:"size"`
	Flags string      `json:"flags"`
}

type asmSymbolOut struct {
	Name    string      `json:"name"`
	Value   jsonout.Hex `json:"value"`
	Section string      `json:"section,omitempty"`
	Global  bool        `json:"global"`
}

func asmFlags(fs *flag.FlagSet) func(e *env) int {
	out := fs.String("o", "", "output ELF `file` (default: FILE with its extension replaced by .elf)")
	norvc := fs.Bool("norvc", false, "start in .option norvc (no compressed instructions unless written as c.*)")
	textBase := fs.String("text-base", "0x80000000", "`address` of the first code section")
	defsym := defsymFlag{}
	fs.Var(defsym, "defsym", "define an absolute symbol, `NAME=VALUE` (repeatable), as GNU as --defsym")
	return func(e *env) int {
		base, err := strconv.ParseUint(*textBase, 0, 64)
		if err != nil {
			return e.usagef("bad --text-base %q: %v", *textBase, err)
		}
		name := e.args[0]
		outPath := *out
		if outPath == "" && !e.json {
			if name == "-" {
				return e.usagef("reading stdin needs -o FILE or --json")
			}
			outPath = strings.TrimSuffix(name, filepath.Ext(name)) + ".elf"
		}
		var src []byte
		if name == "-" {
			src, err = io.ReadAll(os.Stdin)
			name = "<stdin>"
		} else {
			src, err = os.ReadFile(name)
		}
		if err != nil {
			return e.errorf(exitUsage, "%v", err)
		}
		if err := checkSource(name, src); err != nil {
			return e.errorf(exitUsage, "%v", err)
		}

		// A .S file goes through the C preprocessor first, as gcc does it
		// (a .s file does not); #include is resolved beside the file.
		if src, err = preprocess(name, src); err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitFailure
		}
		obj, err := asm.Assemble(name, src, asm.Options{TextBase: base, NoRVC: *norvc, Defsym: defsym})
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return exitFailure
		}
		prog := obj.Program(name)
		if len(prog.Segments) == 0 {
			return e.errorf(exitFailure, "%s: nothing to load: the source assembles to no code and no data", name)
		}
		image, err := obj.ELF()
		if err != nil {
			return e.errorf(exitInternal, "%v", err)
		}
		if outPath != "" {
			if err := os.WriteFile(outPath, image, 0o644); err != nil {
				return e.errorf(exitUsage, "%v", err)
			}
		}
		if !e.json {
			return exitOK
		}
		j := asmJSON{Entry: jsonout.Hex(obj.Entry), Output: outPath, Segments: []asmSegment{}, Sections: []asmSectionOut{}, Symbols: []asmSymbolOut{}}
		for _, s := range prog.Segments {
			j.Segments = append(j.Segments, asmSegment{Addr: jsonout.Hex(s.Addr), FileSize: len(s.Data), MemSize: s.MemSize})
		}
		for _, s := range obj.Sections {
			j.Sections = append(j.Sections, asmSectionOut{Name: s.Name, Addr: jsonout.Hex(s.Addr), Size: s.Size, Flags: sectionFlags(s)})
		}
		for _, s := range obj.Symbols {
			j.Symbols = append(j.Symbols, asmSymbolOut{Name: s.Name, Value: jsonout.Hex(s.Value), Section: s.Section, Global: s.Global})
		}
		return e.writeJSON(j)
	}
}

// sectionFlags writes a section's flags as GNU's .section letters.
func sectionFlags(s asm.Section) string {
	f := "a"
	if s.Flags&elf.SHF_WRITE != 0 {
		f += "w"
	}
	if s.Flags&elf.SHF_EXECINSTR != 0 {
		f += "x"
	}
	if s.NoBits {
		f += ",nobits"
	}
	return f
}

// defsymFlag collects --defsym NAME=VALUE.
type defsymFlag map[string]int64

func (d defsymFlag) String() string { return "" }

func (d defsymFlag) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, have %q", s)
	}
	v, err := strconv.ParseInt(val, 0, 64)
	if err != nil {
		u, uerr := strconv.ParseUint(val, 0, 64)
		if uerr != nil {
			return fmt.Errorf("bad value %q: %v", val, err)
		}
		v = int64(u)
	}
	d[name] = v
	return nil
}
