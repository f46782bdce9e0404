package disasm

import (
	"regexp"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// objdump decodes only the instructions of the ISA it believes the code
// has: the file's Tag_RISCV_arch at first, then the ISA named by each
// "$xrv64…" mapping symbol it passes (riscv-dis.c riscv_update_map_state).
// A row of an extension missing from that ISA prints as an unknown word.
// Most rv64pg words need only I; these need more (GNU's insn_class).

// isaSet is a parsed arch string: the extensions it names, with the ones
// binutils 2.40 implies added.
type isaSet map[string]bool

// rv64pgISA is the ISA of rv64pg, the default.
const rv64pgISA = "rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0_zifencei2p0_zmmul1p0"

var archPart = regexp.MustCompile(`^([a-z]+?)([0-9]+)?(p[0-9]+)?$`)

// parseISA reads a canonical arch string such as
// rv64i2p1_m2p0_a2p1_c2p0_zicsr2p0. It returns nil if arch is not one.
func parseISA(arch string) isaSet {
	rest, ok := strings.CutPrefix(arch, "rv64")
	if !ok {
		rest, ok = strings.CutPrefix(arch, "rv32")
	}
	if !ok || rest == "" {
		return nil
	}
	set := isaSet{}
	for i, part := range strings.Split(rest, "_") {
		m := archPart.FindStringSubmatch(part)
		if m == nil {
			continue
		}
		name, major := m[1], m[2]
		if i == 0 && len(name) > 1 && !strings.HasPrefix(name, "z") {
			// "imac" without versions: single letters run together.
			for _, c := range name {
				set[string(c)] = true
			}
		} else {
			set[name] = true
		}
		// ISA spec 2.2's I (version 2.0) still contains Zicsr and
		// Zifencei; binutils implies them (check_implicit_for_i).
		if name == "i" && (major == "" || major == "2") && m[3] == "p0" {
			set["zicsr"], set["zifencei"] = true, true
		}
	}
	if set["g"] {
		for _, e := range []string{"i", "m", "a", "f", "d", "zicsr", "zifencei"} {
			set[e] = true
		}
	}
	if set["f"] || set["d"] {
		set["zicsr"] = true
	}
	if set["m"] {
		set["zmmul"] = true
	}
	return set
}

// has reports whether the ISA has what row needs (nil: everything).
func (s isaSet) has(row *spec.Inst) bool {
	if s == nil || row == nil {
		return true
	}
	switch row.Ext {
	case spec.ExtM:
		// mul, mulh*, mulw are INSN_CLASS_ZMMUL; div and rem need M.
		if strings.HasPrefix(row.Name, "mul") {
			return s["zmmul"]
		}
		return s["m"]
	case spec.ExtA:
		return s["a"]
	case spec.ExtC:
		return s["c"]
	case spec.ExtZicsr:
		return s["zicsr"]
	case spec.ExtZifencei:
		return s["zifencei"]
	}
	return true // I and the privileged instructions are INSN_CLASS_I
}

// SetISA tells the decoder which ISA the following code has, as an arch
// string (Tag_RISCV_arch, or the name of a $xrv mapping symbol less "$x").
// Words of extensions it lacks print as unknown, as objdump prints them;
// ok still reports the spec table's verdict. "" restores rv64pg.
func (d *Decoder) SetISA(arch string) {
	if arch == "" {
		arch = rv64pgISA
	}
	d.isa = parseISA(arch)
}
