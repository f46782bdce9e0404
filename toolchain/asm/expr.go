package asm

import (
	"fmt"
	"strconv"
	"strings"
)

// Expressions follow GNU as (as.info, "Expressions"): integers in
// decimal, 0x hex, 0b binary and leading-0 octal; character constants;
// symbols, "." and numeric local labels (1b, 1f); unary - ~ + !; and the
// binary operators * / % << >> & | ^ + - with C precedence. The RISC-V
// relocation functions %hi, %lo, %pcrel_hi and %pcrel_lo are operators
// around a parenthesized expression.

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokNum
	tokIdent
	tokOp
	tokPercent // %hi, %lo, %pcrel_hi, %pcrel_lo
)

type token struct {
	kind tokKind
	text string
	num  int64
}

// lexExpr splits an expression into tokens.
func lexExpr(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			word := s[i:j]
			// A numeric local label reference: digits then b or f (as.info, "Local Labels").
			if len(word) >= 2 && (word[len(word)-1] == 'b' || word[len(word)-1] == 'f') && allDigits(word[:len(word)-1]) {
				toks = append(toks, token{kind: tokIdent, text: word})
				i = j
				continue
			}
			v, err := parseInt(word)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokNum, num: v, text: word})
			i = j
		case c == '\'':
			v, n, err := parseChar(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokNum, num: v, text: s[i : i+n]})
			i += n
		case c == '%':
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			if j == i+1 {
				toks = append(toks, token{kind: tokOp, text: "%"})
			} else {
				toks = append(toks, token{kind: tokPercent, text: s[i:j]})
			}
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: s[i:j]})
			i = j
		default:
			if i+1 < len(s) {
				switch two := s[i : i+2]; two {
				case "<<", ">>", "&&", "||", "==", "!=", "<>", "<=", ">=":
					toks = append(toks, token{kind: tokOp, text: two})
					i += 2
					continue
				}
			}
			if strings.IndexByte("+-*/&|^~!()<>", c) < 0 {
				return nil, fmt.Errorf("unexpected character %q in expression", c)
			}
			toks = append(toks, token{kind: tokOp, text: string(c)})
			i++
		}
	}
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '.' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseInt reads an integer literal the way GNU as does. Values that
// need all 64 bits (0xffffffffffffffff) wrap to their two's complement.
func parseInt(w string) (int64, error) {
	base := 10
	digits := w
	switch {
	case len(w) > 2 && (w[:2] == "0x" || w[:2] == "0X"):
		base, digits = 16, w[2:]
	case len(w) > 2 && (w[:2] == "0b" || w[:2] == "0B"):
		base, digits = 2, w[2:]
	case len(w) > 1 && w[0] == '0':
		base, digits = 8, w[1:]
	}
	u, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", w)
	}
	return int64(u), nil
}

// parseChar reads a character constant 'c' or '\n' (the closing quote is
// optional in GNU as) and returns its value and length.
func parseChar(s string) (int64, int, error) {
	if len(s) < 2 {
		return 0, 0, fmt.Errorf("bad character constant %q", s)
	}
	if s[1] != '\\' {
		n := 2
		if len(s) > 2 && s[2] == '\'' {
			n = 3
		}
		return int64(s[1]), n, nil
	}
	if len(s) < 3 {
		return 0, 0, fmt.Errorf("bad character constant %q", s)
	}
	v, ok := escapes[s[2]]
	if !ok {
		return 0, 0, fmt.Errorf("unknown escape \\%c in character constant", s[2])
	}
	n := 3
	if len(s) > 3 && s[3] == '\'' {
		n = 4
	}
	return int64(v), n, nil
}

// escapes are the backslash escapes of strings and character constants.
var escapes = map[byte]byte{
	'n': '\n', 't': '\t', 'r': '\r', '0': 0, '\\': '\\', '\'': '\'', '"': '"',
	'a': 7, 'b': 8, 'f': 12, 'v': 11, 'e': 27,
}

// expr is a parsed expression.
type expr interface{}

type (
	numExpr int64
	symExpr string // a symbol name, with numeric local labels already resolved
	unExpr  struct {
		op string
		x  expr
	}
	binExpr struct {
		op   string
		x, y expr
	}
	// relocExpr is %hi(x), %lo(x), %pcrel_hi(x) or %pcrel_lo(x).
	relocExpr struct {
		fn string
		x  expr
	}
)

// exprParser is a precedence-climbing parser over tokens. local resolves
// numeric local label references and "." to symbol names.
type exprParser struct {
	toks  []token
	pos   int
	local func(ref string) (string, error)
}

func (p *exprParser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tokEOF}
}

// precedence is GNU as's, not C's (expr.c op_rank; as.info, "Infix
// Operators"): shifts bind like multiplication, the bitwise operators
// (with "!", or-not) bind tighter than + and -, then come the
// comparisons, then && and lowest ||.
var precedence = map[string]int{
	"||": 1, "&&": 2,
	"==": 3, "!=": 3, "<>": 3, "<": 3, ">": 3, "<=": 3, ">=": 3,
	"+": 4, "-": 4,
	"|": 5, "&": 5, "^": 5, "!": 5,
	"*": 6, "/": 6, "%": 6, "<<": 6, ">>": 6,
}

func (p *exprParser) parse(minPrec int) (expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		prec, ok := precedence[t.text]
		if t.kind != tokOp || !ok || prec < minPrec {
			return x, nil
		}
		p.pos++
		y, err := p.parse(prec + 1)
		if err != nil {
			return nil, err
		}
		x = binExpr{t.text, x, y}
	}
}

func (p *exprParser) unary() (expr, error) {
	t := p.peek()
	p.pos++
	switch t.kind {
	case tokNum:
		return numExpr(t.num), nil
	case tokIdent:
		name := t.text
		if p.local != nil {
			n, err := p.local(name)
			if err != nil {
				return nil, err
			}
			name = n
		}
		return symExpr(name), nil
	case tokPercent:
		fn := t.text[1:]
		switch fn {
		case "hi", "lo", "pcrel_hi", "pcrel_lo":
		default:
			return nil, fmt.Errorf("unknown relocation function %s", t.text)
		}
		if p.peek().text != "(" {
			return nil, fmt.Errorf("%s needs a parenthesized operand", t.text)
		}
		p.pos++
		x, err := p.parse(1)
		if err != nil {
			return nil, err
		}
		if p.peek().text != ")" {
			return nil, fmt.Errorf("missing ) after %s(", t.text)
		}
		p.pos++
		return relocExpr{fn, x}, nil
	case tokOp:
		switch t.text {
		case "(":
			x, err := p.parse(1)
			if err != nil {
				return nil, err
			}
			if p.peek().text != ")" {
				return nil, fmt.Errorf("missing )")
			}
			p.pos++
			return x, nil
		case "-", "~", "+", "!":
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			return unExpr{t.text, x}, nil
		}
		return nil, fmt.Errorf("unexpected %q in expression", t.text)
	}
	return nil, fmt.Errorf("missing operand in expression")
}

// parseExpr parses a whole expression string.
func parseExpr(s string, local func(string) (string, error)) (expr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("missing expression")
	}
	toks, err := lexExpr(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, local: local}
	x, err := p.parse(1)
	if err != nil {
		return nil, err
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("junk %q after expression", p.toks[p.pos].text)
	}
	return x, nil
}

// value is the result of evaluating an expression: an absolute number
// (sec == nil) or an offset into a section (a label plus a constant).
type value struct {
	sec *section
	off int64
}

// errNotConstant says an expression depends on a label whose address is
// not known yet.
type errNotConstant struct{ sym string }

func (e errNotConstant) Error() string { return fmt.Sprintf("%q is not a constant here", e.sym) }

// evaluator resolves symbols and relocation functions for eval.
type evaluator interface {
	symbol(name string) (value, error)
	reloc(fn string, x expr) (value, error)
}

func eval(x expr, ev evaluator) (value, error) {
	switch x := x.(type) {
	case numExpr:
		return value{off: int64(x)}, nil
	case symExpr:
		return ev.symbol(string(x))
	case relocExpr:
		return ev.reloc(x.fn, x.x)
	case unExpr:
		v, err := eval(x.x, ev)
		if err != nil {
			return v, err
		}
		if v.sec != nil && x.op != "+" {
			return value{}, fmt.Errorf("cannot apply %s to an address", x.op)
		}
		switch x.op {
		case "-":
			v.off = -v.off
		case "~":
			v.off = ^v.off
		case "!":
			v.off = b2i(v.off == 0)
		}
		return v, nil
	case binExpr:
		a, err := eval(x.x, ev)
		if err != nil {
			return a, err
		}
		b, err := eval(x.y, ev)
		if err != nil {
			return b, err
		}
		switch {
		case x.op == "+" && (a.sec == nil || b.sec == nil):
			if a.sec == nil {
				a.sec = b.sec
			}
			return value{a.sec, a.off + b.off}, nil
		case x.op == "-" && b.sec == nil:
			return value{a.sec, a.off - b.off}, nil
		case x.op == "-" && a.sec == b.sec:
			return value{nil, a.off - b.off}, nil
		case a.sec != nil || b.sec != nil:
			return value{}, fmt.Errorf("cannot apply %s to addresses in different sections", x.op)
		}
		v, err := arith(x.op, a.off, b.off)
		return value{off: v}, err
	}
	return value{}, fmt.Errorf("internal: bad expression %T", x)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// arith applies a binary operator as GNU as does (expr.c): >> is a
// logical shift, a shift by 64 or more gives 0, and a true comparison
// is -1.
func arith(op string, a, b int64) (int64, error) {
	switch op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/", "%":
		if b == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		if b == -1 {
			// -MinInt64 / -1 overflows; wrap as the hardware would
			if op == "/" {
				return -a, nil
			}
			return 0, nil
		}
		if op == "/" {
			return a / b, nil
		}
		return a % b, nil
	case "<<", ">>":
		if uint64(b) >= 64 {
			return 0, nil
		}
		if op == "<<" {
			return a << uint64(b), nil
		}
		return int64(uint64(a) >> uint64(b)), nil
	case "&":
		return a & b, nil
	case "|":
		return a | b, nil
	case "^":
		return a ^ b, nil
	case "!":
		return a | ^b, nil
	case "&&":
		return b2i(a != 0 && b != 0), nil
	case "||":
		return b2i(a != 0 || b != 0), nil
	case "==":
		return -b2i(a == b), nil
	case "!=", "<>":
		return -b2i(a != b), nil
	case "<":
		return -b2i(a < b), nil
	case ">":
		return -b2i(a > b), nil
	case "<=":
		return -b2i(a <= b), nil
	case ">=":
		return -b2i(a >= b), nil
	}
	return 0, fmt.Errorf("unknown operator %s", op)
}

// hi20 and lo12 split a value for lui/auipc + addi (RISC-V ELF psABI,
// "%hi"/"%lo"): hi20 rounds so that the signed lo12 makes up the rest.
func hi20(v int64) int64 { return (v + 0x800) >> 12 & 0xfffff }
func lo12(v int64) int64 { return v << 52 >> 52 }
