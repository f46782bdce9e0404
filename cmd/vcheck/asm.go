package main

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

func init() {
	register(command{
		name:    "asm",
		summary: "assemble GNU-syntax RISC-V source into an ELF executable",
		run:     runAsm,
	})
}

// asmJSON is what --json prints: the linked program's layout.
type asmJSON struct {
	Entry    string          `json:"entry"`
	Segments []asmSegment    `json:"segments"`
	Sections []asmSectionOut `json:"sections"`
	Symbols  []asmSymbolOut  `json:"symbols"`
}

type asmSegment struct {
	Addr   string `json:"addr"`
	FileSz int    `json:"filesz"`
	MemSz  uint64 `json:"memsz"`
}

type asmSectionOut struct {
	Name  string `json:"name"`
	Addr  string `json:"addr"`
	Size  uint64 `json:"size"`
	Flags string `json:"flags"`
}

type asmSymbolOut struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Section string `json:"section,omitempty"`
	Global  bool   `json:"global"`
}

func runAsm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("asm", stderr)
	out := fs.String("o", "", "output ELF file (default: FILE with its extension replaced by .elf)")
	asJSON := fs.Bool("json", false, "print the entry point, segments, sections and symbols as JSON on stdout")
	norvc := fs.Bool("norvc", false, "start in .option norvc (no compressed instructions unless written as c.*)")
	textBase := fs.String("text-base", "0x80000000", "address of the first code section")
	defsym := defsymFlag{}
	fs.Var(defsym, "defsym", "define an absolute symbol, NAME=VALUE (repeatable), as GNU as --defsym")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck asm [-o FILE.elf] [--json] [--norvc] [--text-base ADDR] [--defsym NAME=VALUE]... FILE.S|-")
		fmt.Fprintln(stderr, "\nAssembles and links FILE.S (- for stdin) at ADDR, as GNU as -mno-relax + ld would.")
		fs.PrintDefaults()
	}
	// Flags may come before or after the file name ("asm x.S -o x.elf").
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fmt.Fprintln(stderr, "vcheck asm: want exactly one source FILE (or -)")
		fs.Usage()
		return exitUsage
	}
	base, err := strconv.ParseUint(*textBase, 0, 64)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck asm: bad --text-base %q: %v\n", *textBase, err)
		return exitUsage
	}
	name := files[0]
	outPath := *out
	if outPath == "" && !*asJSON {
		if name == "-" {
			fmt.Fprintln(stderr, "vcheck asm: reading stdin needs -o FILE or --json")
			return exitUsage
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
		fmt.Fprintf(stderr, "vcheck asm: %v\n", err)
		return exitUsage
	}

	// A .S file goes through the C preprocessor first, as gcc does it
	// (a .s file does not); #include is resolved beside the file.
	if src, err = preprocess(name, src); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	obj, err := asm.Assemble(name, src, asm.Options{TextBase: base, NoRVC: *norvc, Defsym: defsym})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	image, err := obj.ELF()
	if err != nil {
		fmt.Fprintf(stderr, "vcheck asm: %v\n", err)
		return exitInternal
	}
	if outPath != "" {
		if err := os.WriteFile(outPath, image, 0o644); err != nil {
			fmt.Fprintf(stderr, "vcheck asm: %v\n", err)
			return exitUsage
		}
	}
	if *asJSON {
		j := asmJSON{Entry: asmHex(obj.Entry), Segments: []asmSegment{}, Sections: []asmSectionOut{}, Symbols: []asmSymbolOut{}}
		for _, s := range obj.Program(name).Segments {
			j.Segments = append(j.Segments, asmSegment{Addr: asmHex(s.Addr), FileSz: len(s.Data), MemSz: s.MemSize})
		}
		for _, s := range obj.Sections {
			j.Sections = append(j.Sections, asmSectionOut{Name: s.Name, Addr: asmHex(s.Addr), Size: s.Size, Flags: sectionFlags(s)})
		}
		for _, s := range obj.Symbols {
			j.Symbols = append(j.Symbols, asmSymbolOut{Name: s.Name, Value: asmHex(s.Value), Section: s.Section, Global: s.Global})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(j); err != nil {
			fmt.Fprintf(stderr, "vcheck asm: %v\n", err)
			return exitInternal
		}
	}
	return exitOK
}

func asmHex(v uint64) string { return fmt.Sprintf("%#x", v) }

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
