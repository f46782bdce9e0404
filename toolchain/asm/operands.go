package asm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// regNumbers maps every register name GNU as accepts to its number:
// x0..x31, the ABI names of spec.RegNames, and fp for s0 (psABI Table 1.1).
var regNumbers = func() map[string]int64 {
	m := map[string]int64{"fp": 8}
	for i, n := range spec.RegNames {
		m[n] = int64(i)
		m["x"+strconv.Itoa(i)] = int64(i)
	}
	return m
}()

func parseReg(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if r, ok := regNumbers[s]; ok {
		return r, nil
	}
	if s == "" {
		return 0, fmt.Errorf("missing register")
	}
	return 0, fmt.Errorf("bad register %q", s)
}

// fenceBits are the FENCE predecessor/successor letters (Unprivileged
// spec §2.7: bits I, O, R, W from high to low).
var fenceBits = map[byte]int64{'i': 8, 'o': 4, 'r': 2, 'w': 1}

func parseFence(s string) (int64, error) {
	s = strings.TrimSpace(s)
	var v int64
	for i := 0; i < len(s); i++ {
		b, ok := fenceBits[s[i]]
		if !ok || v&b != 0 {
			return 0, fmt.Errorf("bad fence operand %q: want a subset of iorw", s)
		}
		v |= b
	}
	if v == 0 {
		return 0, fmt.Errorf("bad fence operand %q: want a subset of iorw", s)
	}
	return v, nil
}

// splitOperands splits an operand list at the commas that are not inside
// parentheses, strings or character constants.
func splitOperands(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '\'':
			// a character constant: skip its body so that ',' and '(' in it do not count
			if i+1 < len(s) && s[i+1] == '\\' {
				i += 2
			} else {
				i++
			}
			if i+1 < len(s) && s[i+1] == '\'' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// splitMem splits "expr(reg)" or "(reg)" into its offset expression (""
// when absent) and register text.
func splitMem(s string) (off, reg string, ok bool) {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ")") {
		return "", "", false
	}
	depth := 0
	for i := len(s) - 1; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return strings.TrimSpace(s[:i]), s[i+1 : len(s)-1], true
			}
		}
	}
	return "", "", false
}

// templateElem is one comma-separated element of an Inst.Syntax template:
// an operand (arg index), a fixed register ("sp"), or an offset(base) pair.
type templateElem struct {
	fixed   string // a fixed register name, e.g. "sp"
	arg     int    // index into Inst.Args, or -1
	baseArg int    // for "imm(rs1)": the index of the base register, or -1; arg is then the offset (-1 for "(rs1)")
	mem     bool
}

// templates caches the parsed Syntax of each row.
var templates = map[*spec.Inst][]templateElem{}

// template parses row.Syntax. The operands in Syntax appear in the order
// of row.Args (flags excluded), which TestTemplatesFollowArgs checks.
func template(row *spec.Inst) []templateElem {
	if t, ok := templates[row]; ok {
		return t
	}
	return parseTemplate(row) // a row built by .insn: not cached, so no map writes after init
}

func parseTemplate(row *spec.Inst) []templateElem {
	var elems []templateElem
	next := 0
	nextArg := func() int {
		for next < len(row.Args) && spec.ArgSpecs[row.Args[next]].Kind == spec.KindFlag {
			next++
		}
		if next >= len(row.Args) {
			return -1
		}
		next++
		return next - 1
	}
	if row.Syntax != "" {
		for _, part := range strings.Split(row.Syntax, ",") {
			if off, base, ok := splitMem(part); ok {
				e := templateElem{arg: -1, baseArg: -1, mem: true}
				if off != "" {
					e.arg = nextArg()
				}
				if base == "sp" {
					e.fixed = "sp"
				} else {
					e.baseArg = nextArg()
				}
				elems = append(elems, e)
				continue
			}
			if part == "sp" {
				elems = append(elems, templateElem{fixed: "sp", arg: -1, baseArg: -1})
				continue
			}
			elems = append(elems, templateElem{arg: nextArg(), baseArg: -1})
		}
	}
	return elems
}

func init() {
	// Fill the cache before any concurrent use of the package.
	for i := range spec.Insts {
		templates[&spec.Insts[i]] = parseTemplate(&spec.Insts[i])
	}
}

// argClass says how the text of an operand turns into the Arg value.
type argClass uint8

const (
	classPlain  argClass = iota // the value as written
	classUpper                  // a U-type or c.lui immediate: written as the 20-bit field, value = field << 12
	classTarget                 // a branch or jump: written as the target address, value = target - pc
)

var argClasses = [spec.NumArgs]argClass{
	spec.ArgUImm: classUpper, spec.ArgCLuiImm: classUpper,
	spec.ArgBImm: classTarget, spec.ArgJImm: classTarget, spec.ArgCJImm: classTarget, spec.ArgCBImm: classTarget,
}

// upperValue converts the written 20-bit field of lui/auipc/c.lui to the
// operand value (Unprivileged spec §2.4.1: the field fills bits 31:12 and
// RV64 sign-extends the result).
func upperValue(n int64) (int64, error) {
	if n < 0 || n > 0xfffff {
		return 0, fmt.Errorf("immediate %#x out of range [0, 0xfffff]", n)
	}
	return n << 44 >> 32, nil
}

// encodeArgs assembles a row from operand values in Args order.
func encodeArgs(row *spec.Inst, vals []int64) (uint32, error) {
	w := row.Match
	for i, a := range row.Args {
		bits, err := a.Encode(vals[i])
		if err != nil {
			return 0, argError(a, vals[i], err)
		}
		w |= bits
	}
	if d := spec.Decode(w); d != row && row.Name != insnName {
		return 0, fmt.Errorf("operands of %s make a reserved encoding or another instruction", row.Name)
	}
	return w, nil
}

// argError rewords an Arg.Encode error in the user's terms.
func argError(a spec.Arg, v int64, err error) error {
	s := spec.ArgSpecs[a]
	msg := strings.TrimPrefix(err.Error(), s.Name+": ")
	switch s.Kind {
	case spec.KindReg:
		return fmt.Errorf("register %s", msg)
	case spec.KindCSR:
		return fmt.Errorf("CSR number %s", msg)
	}
	if argClasses[a] == classUpper {
		return fmt.Errorf("immediate %#x out of range for %s", v, s.Name)
	}
	if argClasses[a] == classTarget {
		return fmt.Errorf("branch offset %s", msg)
	}
	return fmt.Errorf("immediate %s", msg)
}
