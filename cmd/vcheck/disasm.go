package main

import (
	"bytes"
	"debug/elf"
	_ "embed"
	"encoding/binary"
	enchex "encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/vcheck-dev/vcheck/internal/jsonout"
	"github.com/vcheck-dev/vcheck/toolchain/disasm"
)

// sampleELF is the program `vcheck disasm` shows when given no file: built
// from samples/disasm_sample.S (see its header for the command line).
//
//go:embed samples/disasm_sample.elf
var sampleELF []byte

const sampleName = "samples/disasm_sample.elf"

func init() {
	register(&command{
		name:    "disasm",
		summary: "disassemble the code sections of an ELF file, as objdump -d does",
		args:    "[FILE.elf]",
		minArgs: 0, maxArgs: 1,
		about: `Disassembles the code sections of an RV64 ELF file line for line as
riscv64-unknown-elf-objdump -d does: the same symbols, aliases, data words and
-M options; the file's .riscv.attributes decide the extensions and the
privileged spec, as objdump's do. Instructions outside rv64pg print as
.4byte/.2byte. With no FILE it disassembles an embedded sample program.
An RV32 (ELFCLASS32) file is refused: rv64pg is RV64 only. docs/disasm.md
has the details.`,
		examples: []example{
			{"vcheck disasm prog.elf", ""},
			{"vcheck disasm -M no-aliases,numeric /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf", ""},
			{"vcheck disasm --json prog.elf | jq -r '.instructions[] | select(.valid | not) | .addr'", "the words that are not rv64pg instructions"},
		},
		exits: map[int]string{exitOK: "disassembled"},
		flags: disasmFlags,
	})
}

func disasmFlags(fs *flag.FlagSet) func(e *env) int {
	machineOpts := fs.String("M", "", "disassembler `options`, as objdump -M, comma-separated: no-aliases, numeric, priv-spec=1.9.1|1.10|1.11|1.12")
	return func(e *env) int {
		var opts disasm.Options
		if *machineOpts != "" {
			for _, o := range strings.Split(*machineOpts, ",") {
				switch v, isPriv := strings.CutPrefix(o, "priv-spec="); {
				case o == "no-aliases":
					opts.NoAliases = true
				case o == "numeric":
					opts.Numeric = true
				case isPriv && slices.Contains(disasm.PrivSpecs, v):
					opts.PrivSpec = v
				case isPriv:
					return e.usagef("unknown privileged spec %q (known: %s)", v, strings.Join(disasm.PrivSpecs, ", "))
				default:
					return e.usagef("unknown -M option %q (known: no-aliases, numeric, priv-spec=VERSION)", o)
				}
			}
		}
		name, data := sampleName, sampleELF
		if len(e.args) == 1 {
			name = e.args[0]
			var err error
			if data, err = os.ReadFile(name); err != nil {
				return e.errorf(exitUsage, "%v", err)
			}
		}
		f, attrs, err := loadDisasmFile(name, data)
		if err != nil {
			return e.errorf(exitUsage, "%v", err)
		}
		filePriv := attrs.privSpec
		// As objdump: decode only the extensions the file says it uses (and
		// then those its $xrv mapping symbols name).
		opts.ISA = attrs.arch
		if extra, _ := archDifference(attrs.arch); len(extra) > 0 {
			// objdump would decode these too; rv64pg has no table for them.
			e.warnf("%s: the file's ISA %s has extensions outside rv64pg (%s); their instructions print as .4byte/.2byte",
				name, attrs.arch, strings.Join(extra, ", "))
		}
		// As objdump: the file's Tag_RISCV_priv_spec wins over -M priv-spec.
		if filePriv != "" {
			if opts.PrivSpec != "" && opts.PrivSpec != filePriv {
				fmt.Fprintf(e.stderr, "vcheck disasm: mis-matched privilege spec set by priv-spec=%s, the elf privilege attribute is %s\n", opts.PrivSpec, filePriv)
			}
			opts.PrivSpec = filePriv
		}
		if e.json {
			return e.writeJSON(disasmJSONOf(name, f, opts))
		}
		if err := f.WriteObjdump(e.stdout, opts); err != nil {
			return e.errorf(exitInternal, "%v", err)
		}
		return exitOK
	}
}

// disasmJSON is the --json output of vcheck disasm.
type disasmJSON struct {
	File         string       `json:"file"`
	Format       string       `json:"format"` // the BFD target name objdump prints, "elf64-littleriscv"
	Instructions []disasmLine `json:"instructions"`
}

// disasmLine is one instruction line.
type disasmLine struct {
	Addr    jsonout.Hex `json:"addr"`
	Bytes   string      `json:"bytes"`   // hex, in memory order
	Text    string      `json:"text"`    // objdump's text: mnemonic, TAB, operands
	Valid   bool        `json:"valid"`   // an rv64pg instruction per the spec table
	Section string      `json:"section"` // the ELF section
	Symbol  string      `json:"symbol"`  // the block's <symbol>
}

func disasmJSONOf(name string, f *disasm.File, opts disasm.Options) disasmJSON {
	j := disasmJSON{File: name, Format: f.Format, Instructions: []disasmLine{}}
	for _, b := range f.Disassemble(opts) {
		for _, l := range b.Lines {
			if l.Skip {
				continue
			}
			j.Instructions = append(j.Instructions, disasmLine{
				Addr: jsonout.Hex(l.Addr), Bytes: enchex.EncodeToString(l.Bytes), Text: strings.TrimSuffix(l.Text, "\n"),
				Valid: l.OK, Section: b.Section, Symbol: b.Label,
			})
		}
	}
	return j
}

// riscvAttributes are the .riscv.attributes values vcheck disasm uses.
type riscvAttributes struct {
	arch     string // Tag_RISCV_arch, e.g. rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0_zmmul1p0
	privSpec string // e.g. "1.12"; "" if absent or unknown to objdump
}

// rv64pgExtensions are the extensions of rv64pg as an arch string names
// them (zmmul is implied by m).
var rv64pgExtensions = []string{"i", "m", "a", "c", "zicsr", "zifencei", "zmmul"}

// archPart is one underscore-separated part of a canonical arch string.
var archPart = regexp.MustCompile(`^([a-z]+?)([0-9]+(p[0-9]+)?)?$`)

// archDifference compares an arch attribute with rv64pg. An empty arch
// (no attribute) differs in nothing.
func archDifference(arch string) (extra, missing []string) {
	rest, ok := strings.CutPrefix(arch, "rv64")
	if !ok {
		if arch == "" {
			return nil, nil
		}
		return []string{arch}, nil
	}
	var have []string
	for _, part := range strings.Split(rest, "_") {
		// "i2p1" names i, "zcmp1p0" names zcmp: letters, then a version.
		m := archPart.FindStringSubmatch(part)
		if m == nil {
			extra = append(extra, part)
			continue
		}
		name := m[1]
		have = append(have, name)
		if !slices.Contains(rv64pgExtensions, name) {
			extra = append(extra, name)
		}
	}
	for _, e := range rv64pgExtensions {
		if e != "zmmul" && !slices.Contains(have, e) {
			missing = append(missing, e)
		}
	}
	return extra, missing
}

// loadDisasmFile reads what objdump -d needs from an ELF image, and its
// .riscv.attributes. Every error names the file and what is wrong with it.
func loadDisasmFile(name string, data []byte) (f *disasm.File, attrs riscvAttributes, err error) {
	// debug/elf guards against malformed input, but a panic on a hostile
	// file must still become an error naming the file, not a crash.
	defer func() {
		if r := recover(); r != nil {
			f, attrs, err = nil, riscvAttributes{}, fmt.Errorf("%s: malformed ELF file: %v", name, r)
		}
	}()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, attrs, fmt.Errorf("%s: not a readable ELF file: %v", name, err)
	}
	if ef.Machine != elf.EM_RISCV {
		return nil, attrs, fmt.Errorf("%s: ELF machine is %v, want EM_RISCV", name, ef.Machine)
	}
	if ef.Data != elf.ELFDATA2LSB {
		return nil, attrs, fmt.Errorf("%s: ELF data encoding is %v, want little-endian (ELFDATA2LSB)", name, ef.Data)
	}
	if ef.Class != elf.ELFCLASS64 {
		return nil, attrs, fmt.Errorf("%s: ELF class is %v (an RV32 file, elf32-littleriscv): vcheck disasm decodes rv64pg, which is RV64 only; use riscv64-unknown-elf-objdump -d for RV32", name, ef.Class)
	}
	f = &disasm.File{Name: name, Format: "elf64-littleriscv", HasRelocs: disasm.HasRelocs(ef),
		Linked: ef.Type == elf.ET_EXEC || ef.Type == elf.ET_DYN}
	if f.DynRelocs, err = disasm.DynamicRelocs(ef); err != nil {
		return nil, attrs, fmt.Errorf("%s: %v", name, err)
	}
	for i, s := range ef.Sections {
		sec := disasm.Section{Name: s.Name, Index: i, Addr: s.Addr, Code: s.Flags&elf.SHF_EXECINSTR != 0}
		if sec.Code && s.Type != elf.SHT_NOBITS && s.Size > 0 {
			if s.Size > uint64(len(data)) {
				return nil, attrs, fmt.Errorf("%s: section %s: size %#x is larger than the file (%#x bytes)", name, s.Name, s.Size, len(data))
			}
			if sec.Data, err = s.Data(); err != nil {
				return nil, attrs, fmt.Errorf("%s: section %s: %v", name, s.Name, err)
			}
		}
		f.Sections = append(f.Sections, sec)
	}
	syms, err := ef.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, attrs, fmt.Errorf("%s: symbol table: %v", name, err)
	}
	if len(syms) == 0 {
		// objdump falls back on the dynamic symbols when there are no
		// static ones (a stripped PIE such as OpenSBI's fw_jump.elf).
		if syms, err = ef.DynamicSymbols(); err != nil && !errors.Is(err, elf.ErrNoSymbols) {
			return nil, attrs, fmt.Errorf("%s: dynamic symbol table: %v", name, err)
		}
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
			return nil, attrs, fmt.Errorf("%s: symbol %s: section index %d out of range (%d sections)", name, s.Name, idx, len(ef.Sections))
		}
		f.Symbols = append(f.Symbols, disasm.Symbol{
			Name: s.Name, Value: s.Value, Section: idx,
			Func: typ == elf.STT_FUNC, Object: typ == elf.STT_OBJECT, Size: s.Size,
			Global: bind == elf.STB_GLOBAL, Local: bind == elf.STB_LOCAL,
		})
	}
	if s := ef.Section(".riscv.attributes"); s != nil && s.Type != elf.SHT_NOBITS {
		raw, err := s.Data()
		if err != nil {
			return nil, attrs, fmt.Errorf("%s: section .riscv.attributes: %v", name, err)
		}
		if attrs, err = readRISCVAttributes(raw); err != nil {
			return nil, attrs, fmt.Errorf("%s: section .riscv.attributes: %v", name, err)
		}
	}
	return f, attrs, nil
}

// RISC-V ELF attribute tags (RISC-V ELF psABI, "Attributes"): even tags
// take a ULEB128 value, odd tags a NUL-terminated string.
const (
	tagFile                  = 1
	tagRISCVArch             = 5
	tagRISCVPrivSpec         = 8
	tagRISCVPrivSpecMinor    = 10
	tagRISCVPrivSpecRevision = 12
)

// readRISCVAttributes reads a .riscv.attributes section: format-version
// 'A', then subsections (uint32 length, vendor name), whose "riscv" one
// holds a Tag_File sub-subsection of tag/value pairs. The priv spec is ""
// when there is none or objdump would not know it, as objdump then falls
// back to its newest spec.
func readRISCVAttributes(b []byte) (riscvAttributes, error) {
	var attrs riscvAttributes
	if len(b) == 0 {
		return attrs, nil
	}
	if b[0] != 'A' {
		return attrs, fmt.Errorf("format version %#x, want 'A'", b[0])
	}
	vals, strs := map[uint64]uint64{}, map[uint64]string{}
	for p := 1; p < len(b); {
		if len(b)-p < 4 {
			return attrs, fmt.Errorf("offset %#x: truncated subsection length", p)
		}
		n := int(binary.LittleEndian.Uint32(b[p:]))
		if n < 4 || n > len(b)-p {
			return attrs, fmt.Errorf("offset %#x: subsection length %#x out of range", p, n)
		}
		sub := b[p+4 : p+n]
		vendor, rest, ok := bytes.Cut(sub, []byte{0})
		if !ok {
			return attrs, fmt.Errorf("offset %#x: vendor name not terminated", p)
		}
		if string(vendor) == "riscv" {
			for q := 0; q < len(rest); {
				if len(rest)-q < 5 {
					return attrs, fmt.Errorf("offset %#x: truncated sub-subsection", p)
				}
				tag, m := rest[q], int(binary.LittleEndian.Uint32(rest[q+1:]))
				if m < 5 || m > len(rest)-q {
					return attrs, fmt.Errorf("offset %#x: sub-subsection length %#x out of range", p, m)
				}
				if tag == tagFile {
					if err := readAttributes(rest[q+5:q+m], vals, strs); err != nil {
						return attrs, err
					}
				}
				q += m
			}
		}
		p += n
	}
	attrs.arch = strs[tagRISCVArch]
	major, minor, rev := vals[tagRISCVPrivSpec], vals[tagRISCVPrivSpecMinor], vals[tagRISCVPrivSpecRevision]
	if major == 0 && minor == 0 && rev == 0 {
		return attrs, nil
	}
	v := fmt.Sprintf("%d.%d", major, minor)
	if rev != 0 {
		v += fmt.Sprintf(".%d", rev)
	}
	if slices.Contains(disasm.PrivSpecs, v) {
		attrs.privSpec = v
	}
	return attrs, nil
}

// readAttributes decodes tag/value pairs into vals and strs.
func readAttributes(b []byte, vals map[uint64]uint64, strs map[uint64]string) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("bad ULEB128 tag")
		}
		b = b[n:]
		if tag%2 == 1 {
			str, rest, ok := bytes.Cut(b, []byte{0})
			if !ok {
				return fmt.Errorf("tag %d: string not terminated", tag)
			}
			strs[tag] = string(str)
			b = rest
			continue
		}
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return fmt.Errorf("tag %d: bad ULEB128 value", tag)
		}
		vals[tag] = v
		b = b[n:]
	}
	return nil
}
