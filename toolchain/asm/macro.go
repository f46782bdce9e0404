package asm

import (
	"strings"
)

// Macros, repetition and conditional assembly, as GNU as does them
// (as.info, ".macro", ".rept", ".irp", ".irpc", ".if"). They work on
// statements before anything else sees them: a block's body is collected
// as text, and its expansion is fed back in, statement by statement.

// macro is a .macro definition.
type macro struct {
	params []macroParam
	body   []string
}

type macroParam struct {
	name     string
	def      string
	required bool
	vararg   bool
}

// block is a .macro/.rept/.irp/.irpc being collected up to its .endm/.endr.
type block struct {
	kind  string
	head  string // the operands of the opening directive
	depth int
	body  []string
	line  int
}

// cond is one level of .if nesting.
type cond struct {
	active bool // statements here are assembled
	done   bool // a branch of this .if was taken (or the parent is inactive)
	parent bool // the enclosing level is active
}

// Limits that keep runaway expansions (and fuzz inputs) bounded.
const (
	maxExpandDepth = 100
	maxStatements  = 2_000_000
	maxRepeat      = 1 << 20
)

// blockEnds maps a collecting directive to the directive that ends it.
var blockEnds = map[string]string{".macro": ".endm", ".rept": ".endr", ".irp": ".endr", ".irpc": ".endr"}

// conditionals are the .if family, by how they test their operand.
var conditionals = map[string]func(a *assembler, rest string) bool{
	".if":    func(a *assembler, rest string) bool { v, ok := a.mustConstant(rest); return ok && v != 0 },
	".ifne":  func(a *assembler, rest string) bool { v, ok := a.mustConstant(rest); return ok && v != 0 },
	".ifeq":  func(a *assembler, rest string) bool { v, ok := a.mustConstant(rest); return ok && v == 0 },
	".ifdef": func(a *assembler, rest string) bool { return a.isDefined(rest) },
	".ifndef": func(a *assembler, rest string) bool {
		return !a.isDefined(rest)
	},
	".ifnotdef": func(a *assembler, rest string) bool { return !a.isDefined(rest) },
	".ifb":      func(a *assembler, rest string) bool { return strings.TrimSpace(rest) == "" },
	".ifnb":     func(a *assembler, rest string) bool { return strings.TrimSpace(rest) != "" },
	".ifc":      func(a *assembler, rest string) bool { x, y := twoStrings(rest); return x == y },
	".ifnc":     func(a *assembler, rest string) bool { x, y := twoStrings(rest); return x != y },
}

func (a *assembler) isDefined(name string) bool {
	s, ok := a.syms[strings.TrimSpace(name)]
	return ok && s.defined
}

func twoStrings(rest string) (string, string) {
	args := splitOperands(rest)
	for len(args) < 2 {
		args = append(args, "")
	}
	return unquoteArg(args[0]), unquoteArg(args[1])
}

// unquoteArg strips the quotes around a quoted macro argument.
func unquoteArg(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func headOf(stmt string) (head, rest string) {
	stmt = strings.TrimSpace(stmt)
	n := 0
	for n < len(stmt) && stmt[n] != ' ' && stmt[n] != '\t' {
		n++
	}
	return strings.ToLower(stmt[:n]), strings.TrimSpace(stmt[n:])
}

// feedLine runs every statement of one source line.
func (a *assembler) feedLine(l string) {
	for _, stmt := range splitStatements(l) {
		a.feed(stmt)
	}
}

// feed runs one statement through block collection and conditionals.
func (a *assembler) feed(stmt string) {
	if a.exitm || len(a.errs) >= a.max {
		return
	}
	if a.statements++; a.statements > maxStatements {
		if a.statements == maxStatements+1 {
			a.errorf("more than %d statements after expansion", maxStatements)
		}
		return
	}
	head, rest := headOf(stmt)
	if b := a.collect; b != nil {
		switch {
		case blockEnds[head] != "":
			b.depth++
		case head == ".endm" || head == ".endr":
			if b.depth--; b.depth == 0 {
				a.collect = nil
				if blockEnds[b.kind] != head {
					a.errorf("%s ends %s (line %d)", head, b.kind, b.line)
					return
				}
				a.finishBlock(b)
				return
			}
		}
		b.body = append(b.body, stmt)
		return
	}
	if test, ok := conditionals[head]; ok {
		c := cond{parent: a.active()}
		if c.parent {
			c.active = test(a, rest)
		}
		c.done = c.active || !c.parent
		a.conds = append(a.conds, c)
		return
	}
	switch head {
	case ".else", ".elseif":
		if len(a.conds) == 0 {
			a.errorf("%s without .if", head)
			return
		}
		c := &a.conds[len(a.conds)-1]
		c.active = !c.done && (head == ".else" || conditionals[".if"](a, rest))
		c.done = c.done || c.active
		return
	case ".endif":
		if len(a.conds) == 0 {
			a.errorf(".endif without .if")
			return
		}
		a.conds = a.conds[:len(a.conds)-1]
		return
	}
	if !a.active() {
		return
	}
	switch head {
	case ".macro", ".rept", ".irp", ".irpc":
		a.collect = &block{kind: head, head: rest, depth: 1, line: a.line}
		return
	case ".endm", ".endr":
		a.errorf("%s without %s", head, map[string]string{".endm": ".macro", ".endr": ".rept"}[head])
		return
	case ".exitm":
		if a.expanding == 0 {
			a.errorf(".exitm outside a macro")
			return
		}
		a.exitm = true
		return
	case ".purgem":
		delete(a.macros, strings.ToLower(rest))
		return
	}
	a.statement(stmt)
}

func (a *assembler) active() bool {
	return len(a.conds) == 0 || a.conds[len(a.conds)-1].active
}

// finishBlock defines a macro or expands a repetition.
func (a *assembler) finishBlock(b *block) {
	switch b.kind {
	case ".macro":
		f := strings.FieldsFunc(b.head, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		if len(f) == 0 || !isIdentStart(f[0][0]) {
			a.errorf(".macro: missing name")
			return
		}
		m := &macro{body: b.body}
		for _, p := range f[1:] {
			mp := macroParam{name: p}
			if i := strings.IndexByte(p, '='); i >= 0 {
				mp.name, mp.def = p[:i], p[i+1:]
			}
			if i := strings.IndexByte(mp.name, ':'); i >= 0 {
				switch mp.name[i+1:] {
				case "req":
					mp.required = true
				case "vararg":
					mp.vararg = true
				default:
					a.errorf(".macro: unknown parameter qualifier %q", mp.name[i:])
				}
				mp.name = mp.name[:i]
			}
			m.params = append(m.params, mp)
		}
		if a.macros == nil {
			a.macros = map[string]*macro{}
		}
		a.macros[strings.ToLower(f[0])] = m
	case ".rept":
		n, ok := a.mustConstant(b.head)
		if !ok {
			return
		}
		if n < 0 || n > maxRepeat {
			a.errorf(".rept: count %d out of range [0, %d]", n, maxRepeat)
			return
		}
		for i := int64(0); i < n; i++ {
			a.run(b.body)
		}
	case ".irp", ".irpc":
		args := splitOperands(b.head)
		if len(args) == 0 || args[0] == "" {
			a.errorf("%s: missing symbol", b.kind)
			return
		}
		sym := args[0]
		var values []string
		if b.kind == ".irp" {
			values = args[1:]
		} else if len(args) > 1 {
			for _, c := range strings.TrimSpace(args[1]) {
				values = append(values, string(c))
			}
		}
		params := []macroParam{{name: sym}}
		for _, v := range values {
			a.run(substitute(b.body, params, []string{v}, ""))
		}
	}
}

// run feeds lines at one more level of expansion.
func (a *assembler) run(lines []string) {
	if a.expanding >= maxExpandDepth {
		a.errorf("macro expansion nested more than %d deep", maxExpandDepth)
		return
	}
	a.expanding++
	for _, l := range lines {
		a.feedLine(l)
	}
	a.expanding--
}

// expand invokes a macro with the argument text after its name.
func (a *assembler) expand(m *macro, argText string) {
	values := make([]string, len(m.params))
	set := make([]bool, len(m.params))
	args := splitOperands(argText)
	if len(args) < len(m.params) {
		// GNU as also separates macro arguments by blanks.
		var split []string
		for _, arg := range args {
			split = append(split, splitBlanks(arg)...)
		}
		args = split
	}
	pos := 0
	for i, arg := range args {
		if eq := strings.IndexByte(arg, '='); eq > 0 {
			if k := m.param(strings.TrimSpace(arg[:eq])); k >= 0 {
				values[k], set[k] = unquoteArg(arg[eq+1:]), true
				continue
			}
		}
		if pos >= len(m.params) {
			a.errorf("too many macro arguments")
			return
		}
		if m.params[pos].vararg {
			values[pos], set[pos] = strings.Join(args[i:], ", "), true
			break
		}
		values[pos], set[pos] = unquoteArg(arg), true
		pos++
	}
	for i, p := range m.params {
		if !set[i] || values[i] == "" && p.def != "" {
			if p.required {
				a.errorf("missing value for required macro parameter %q", p.name)
				return
			}
			values[i] = p.def
		}
	}
	count := itoa(int64(a.macroCount))
	a.macroCount++
	conds := len(a.conds)
	a.run(substitute(m.body, m.params, values, count))
	a.exitm = false
	if len(a.conds) > conds {
		a.conds = a.conds[:conds] // an .exitm inside .if leaves its levels open
	}
}

func (m *macro) param(name string) int {
	for i, p := range m.params {
		if p.name == name {
			return i
		}
	}
	return -1
}

// splitBlanks splits at blanks outside quotes and parentheses.
func splitBlanks(s string) []string {
	var out []string
	depth, start, inStr := 0, -1, false
	for i := 0; i <= len(s); i++ {
		if i == len(s) || !inStr && depth == 0 && (s[i] == ' ' || s[i] == '\t') {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == '(':
			depth++
		case !inStr && c == ')':
			depth--
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

// substitute replaces \param, \@ (the expansion count) and \() (nothing)
// in a macro body.
func substitute(body []string, params []macroParam, values []string, count string) []string {
	out := make([]string, len(body))
	for n, l := range body {
		var b strings.Builder
		for i := 0; i < len(l); i++ {
			if l[i] != '\\' || i+1 >= len(l) {
				b.WriteByte(l[i])
				continue
			}
			switch {
			case l[i+1] == '@' && count != "":
				b.WriteString(count)
				i++
				continue
			case l[i+1] == '(' && i+2 < len(l) && l[i+2] == ')':
				i += 2
				continue
			}
			j := i + 1
			for j < len(l) && isIdentChar(l[j]) && l[j] != '.' && l[j] != '$' {
				j++
			}
			found := false
			for k, p := range params {
				if p.name == l[i+1:j] {
					b.WriteString(values[k])
					found = true
					i = j - 1
					break
				}
			}
			if !found {
				b.WriteByte(l[i])
			}
		}
		out[n] = b.String()
	}
	return out
}
