package asm

import "github.com/vcheck-dev/vcheck/spec"

// Automatic compression (.option rvc). GNU as tries the compressed
// aliases of a mnemonic before its 32-bit form, so it emits a C
// instruction whenever one means the same thing. The candidates come
// from the table: every C row whose expansion is the 32-bit mnemonic,
// in table order.

// compression is one C row that a 32-bit mnemonic may become: bind says,
// for each operand of the 32-bit row in Args order, the C operand (by
// role) it goes to, or the constant the C form fixes it to (a register
// x0/x1/x2 or an immediate 0): the row's spec.Expansion.
type compression struct {
	c    *spec.Inst
	bind []spec.ExpandArg
}

// compressions lists, per 32-bit mnemonic, its compressed forms.
var compressions = map[string][]compression{}

func init() {
	for i := range spec.Insts {
		c := &spec.Insts[i]
		if x := c.Expansion; x != nil {
			compressions[x.Base.Name] = append(compressions[x.Base.Name], compression{c: c, bind: x.Args})
		}
	}
}

// gnuHints lists, per C row, the operands that GNU as never lets be
// zero (or, for c.nop, nonzero): those encodings are HINTs (Unprivileged
// spec §16.7, Table 16.7), and GNU's operand types for the compressed
// aliases (riscv-opc.c "Cj", "C>", match_rd_nonzero, ...) exclude them.
var gnuHints = map[string][]struct {
	role     string
	wantZero bool
}{
	"c.nop":  {{"imm", true}},
	"c.addi": {{"imm", false}},
	"c.li":   {{"rd", false}},
	"c.lui":  {{"rd", false}},
	"c.mv":   {{"rd", false}},
	"c.add":  {{"rd", false}},
	"c.slli": {{"rd", false}, {"imm", false}},
	"c.srli": {{"imm", false}},
	"c.srai": {{"imm", false}},
}

// alternates are the further compressed aliases in GNU's opcode table
// that are not the spec expansion of the C instruction but an equivalent
// of it: the commuted operand order of c.add/c.and/c.or/c.xor/c.addw
// ("d,CV,CU"), and addi rd,rs,0 as c.mv ("mv" is addi).
var alternates = map[string]func(v []int64) (string, []int64, bool){
	"add":  commute,
	"and":  commute,
	"or":   commute,
	"xor":  commute,
	"addw": commute,
	"addi": func(v []int64) (string, []int64, bool) {
		return "add", []int64{v[0], 0, v[1]}, v[2] == 0
	},
}

// commute swaps rs1 and rs2 when that makes rd equal rs1, the only order
// the C form allows.
func commute(v []int64) (string, []int64, bool) {
	return "", []int64{v[0], v[2], v[1]}, v[0] == v[2] && v[1] != 0
}

// compress returns the compressed encoding GNU as picks for a 32-bit
// instruction with constant operands vals, if there is one.
func compress(row *spec.Inst, vals []int64) (uint32, *spec.Inst, bool) {
	if w, c, ok := compressAs(row.Name, vals); ok {
		return w, c, ok
	}
	if alt, ok := alternates[row.Name]; ok {
		name, v, ok := alt(vals)
		if name == "" {
			name = row.Name
		}
		if ok {
			return compressAs(name, v)
		}
	}
	return 0, nil, false
}

func compressAs(name string, vals []int64) (uint32, *spec.Inst, bool) {
next:
	for _, comp := range compressions[name] {
		if len(comp.bind) != len(vals) {
			continue
		}
		roles := map[string]int64{}
		for i, b := range comp.bind {
			if b.Role == "" {
				if vals[i] != b.Value {
					continue next
				}
				continue
			}
			if old, ok := roles[b.Role]; ok && old != vals[i] {
				continue next
			}
			roles[b.Role] = vals[i]
		}
		for _, h := range gnuHints[comp.c.Name] {
			if (roles[h.role] == 0) != h.wantZero {
				continue next
			}
		}
		cvals := make([]int64, len(comp.c.Args))
		for i, a := range comp.c.Args {
			v, ok := roles[spec.ArgSpecs[a].Role]
			if !ok {
				continue next
			}
			cvals[i] = v
		}
		w, err := encodeArgs(comp.c, cvals)
		if err != nil {
			continue
		}
		return w, comp.c, true
	}
	return 0, nil, false
}

// expansion is the inverse: the 32-bit row and operand values a C row
// with values cvals stands for.
func expansion(c *spec.Inst, cvals []int64) (*spec.Inst, []int64) {
	x := c.Expansion
	vals := make([]int64, len(x.Args))
	for i, a := range x.Args {
		vals[i] = a.Value
		for j, ca := range c.Args {
			if a.Role != "" && spec.ArgSpecs[ca].Role == a.Role {
				vals[i] = cvals[j]
			}
		}
	}
	return x.Base, vals
}
