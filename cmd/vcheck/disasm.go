package main

import (
	"bytes"
	"debug/elf"
	_ "embed"
	enchex "encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vcheck-dev/vcheck/spec/disasm"
)

// sampleELF is the program `vcheck disasm` shows when given no file: built
// from samples/disasm_sample.S (see its header for the command line).
//
//go:embed samples/disasm_sample.elf
var sampleELF []byte

const sampleName = "samples/disasm_sample.elf"

func init() {
	register(command{
		name:    "disasm",
		summary: "disassemble the code sections of an ELF file, as objdump -d does",
		run:     runDisasm,
	})
}

func runDisasm(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("disasm", stderr)
	machineOpts := fs.String("M", "", "disassembler options, as objdump -M: no-aliases")
	asJSON := fs.Bool("json", false, "print one JSON object per instruction: addr, bytes, text")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vcheck disasm [-M no-aliases] [--json] [FILE.elf]")
		fmt.Fprintln(stderr, "\nWith no FILE, disassembles the embedded sample program.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	var opts disasm.Options
	if *machineOpts != "" {
		for _, o := range strings.Split(*machineOpts, ",") {
			switch o {
			case "no-aliases":
				opts.NoAliases = true
			default:
				fmt.Fprintf(stderr, "vcheck disasm: unknown -M option %q (known: no-aliases)\n", o)
				return exitUsage
			}
		}
	}
	name, data := sampleName, sampleELF
	switch fs.NArg() {
	case 0:
	case 1:
		name = fs.Arg(0)
		var err error
		if data, err = os.ReadFile(name); err != nil {
			fmt.Fprintf(stderr, "vcheck disasm: %v\n", err)
			return exitUsage
		}
	default:
		fmt.Fprintln(stderr, "vcheck disasm: at most one FILE")
		return exitUsage
	}
	f, err := loadDisasmFile(name, data)
	if err != nil {
		fmt.Fprintf(stderr, "vcheck disasm: %v\n", err)
		return exitUsage
	}
	if *asJSON {
		err = writeDisasmJSON(stdout, f, opts)
	} else {
		err = f.WriteObjdump(stdout, opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "vcheck disasm: %v\n", err)
		return exitInternal
	}
	return exitOK
}

// disasmLine is one --json record.
type disasmLine struct {
	Addr    string `json:"addr"`    // hex, 0x-prefixed
	Bytes   string `json:"bytes"`   // hex, in memory order
	Text    string `json:"text"`    // objdump's text: mnemonic, TAB, operands
	Valid   bool   `json:"valid"`   // an rv64pg instruction per the spec table
	Section string `json:"section"` // the ELF section
	Symbol  string `json:"symbol"`  // the block's <symbol>
}

func writeDisasmJSON(w io.Writer, f *disasm.File, opts disasm.Options) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep "<sym>" readable
	for _, b := range f.Disassemble(opts) {
		for _, l := range b.Lines {
			if l.Skip {
				continue
			}
			rec := disasmLine{
				Addr: fmt.Sprintf("%#x", l.Addr), Bytes: enchex.EncodeToString(l.Bytes), Text: strings.TrimSuffix(l.Text, "\n"),
				Valid: l.OK, Section: b.Section, Symbol: b.Label,
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadDisasmFile reads what objdump -d needs from an ELF image. Every
// error names the file and what is wrong with it.
func loadDisasmFile(name string, data []byte) (f *disasm.File, err error) {
	// debug/elf guards against malformed input, but a panic on a hostile
	// file must still become an error naming the file, not a crash.
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s: malformed ELF file: %v", name, r)
		}
	}()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable ELF file: %v", name, err)
	}
	if ef.Machine != elf.EM_RISCV {
		return nil, fmt.Errorf("%s: ELF machine is %v, want EM_RISCV", name, ef.Machine)
	}
	if ef.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%s: ELF data encoding is %v, want little-endian (ELFDATA2LSB)", name, ef.Data)
	}
	format := "elf64-littleriscv"
	if ef.Class == elf.ELFCLASS32 {
		format = "elf32-littleriscv"
	}
	f = &disasm.File{Name: name, Format: format}
	for i, s := range ef.Sections {
		if (s.Type == elf.SHT_RELA || s.Type == elf.SHT_REL) && s.Size > 0 {
			f.HasRelocs = true // BFD sets HAS_RELOC for any relocation section
		}
		sec := disasm.Section{Name: s.Name, Index: i, Addr: s.Addr, Code: s.Flags&elf.SHF_EXECINSTR != 0}
		if sec.Code && s.Type != elf.SHT_NOBITS && s.Size > 0 {
			if s.Size > uint64(len(data)) {
				return nil, fmt.Errorf("%s: section %s: size %#x is larger than the file (%#x bytes)", name, s.Name, s.Size, len(data))
			}
			if sec.Data, err = s.Data(); err != nil {
				return nil, fmt.Errorf("%s: section %s: %v", name, s.Name, err)
			}
		}
		f.Sections = append(f.Sections, sec)
	}
	syms, err := ef.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: symbol table: %v", name, err)
	}
	for _, s := range syms {
		typ, bind := elf.ST_TYPE(s.Info), elf.ST_BIND(s.Info)
		// objdump's remove_useless_symbols: no section, file, undefined
		// or common symbols.
		if s.Name == "" || typ == elf.STT_SECTION || typ == elf.STT_FILE ||
			s.Section == elf.SHN_UNDEF || s.Section == elf.SHN_COMMON {
			continue
		}
		idx := int(s.Section)
		if s.Section >= elf.SHN_LORESERVE {
			idx = -1
		} else if idx >= len(ef.Sections) {
			return nil, fmt.Errorf("%s: symbol %s: section index %d out of range (%d sections)", name, s.Name, idx, len(ef.Sections))
		}
		f.Symbols = append(f.Symbols, disasm.Symbol{
			Name: s.Name, Value: s.Value, Section: idx,
			Func: typ == elf.STT_FUNC, Object: typ == elf.STT_OBJECT, Size: s.Size,
			Global: bind == elf.STB_GLOBAL, Local: bind == elf.STB_LOCAL,
		})
	}
	return f, nil
}
