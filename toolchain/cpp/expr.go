package cpp

import (
	"fmt"
	"strconv"
	"strings"
)

// eval evaluates an #if expression (C11 6.10.1): defined(), macros
// expanded, remaining identifiers are 0, integer arithmetic in int64.
func (p *preprocessor) eval(file string, line int, s string) bool {
	s = p.replaceDefined(s)
	s = p.expand(file, line, s, nil)
	toks, err := tokenize(s)
	if err != nil {
		p.errorf(file, line, "#if %s: %v", strings.TrimSpace(s), err)
		return false
	}
	e := &exprParser{toks: toks}
	v, err := e.ternary()
	if err == nil && e.pos != len(e.toks) {
		err = fmt.Errorf("unexpected %q", e.toks[e.pos])
	}
	if err != nil {
		p.errorf(file, line, "#if %s: %v", strings.TrimSpace(s), err)
		return false
	}
	return v != 0
}

// replaceDefined turns defined(X) and defined X into 1 or 0 before macro
// expansion, as the standard requires.
func (p *preprocessor) replaceDefined(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "defined")
		if i < 0 || (i > 0 && isIdent(s[i-1])) || (i+7 < len(s) && isIdent(s[i+7])) {
			if i < 0 {
				b.WriteString(s)
				return b.String()
			}
			b.WriteString(s[:i+7])
			s = s[i+7:]
			continue
		}
		b.WriteString(s[:i])
		rest := strings.TrimLeft(s[i+7:], " \t")
		paren := strings.HasPrefix(rest, "(")
		if paren {
			rest = strings.TrimLeft(rest[1:], " \t")
		}
		j := 0
		for j < len(rest) && isIdent(rest[j]) {
			j++
		}
		_, def := p.macros[rest[:j]]
		rest = rest[j:]
		if paren {
			rest = strings.TrimPrefix(strings.TrimLeft(rest, " \t"), ")")
		}
		if def {
			b.WriteString(" 1 ")
		} else {
			b.WriteString(" 0 ")
		}
		s = rest
	}
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case isIdent(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			op := ""
			for _, cand := range []string{"<<", ">>", "<=", ">=", "==", "!=", "&&", "||"} {
				if strings.HasPrefix(s[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" {
				if !strings.ContainsRune("+-*/%<>&|^!~()?:", rune(c)) {
					return nil, fmt.Errorf("unexpected character %q", c)
				}
				op = string(c)
			}
			toks = append(toks, op)
			i += len(op)
		}
	}
	return toks, nil
}

type exprParser struct {
	toks []string
	pos  int
}

func (e *exprParser) peek() string {
	if e.pos < len(e.toks) {
		return e.toks[e.pos]
	}
	return ""
}

var binaryPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (e *exprParser) ternary() (int64, error) {
	c, err := e.binary(1)
	if err != nil || e.peek() != "?" {
		return c, err
	}
	e.pos++
	a, err := e.ternary()
	if err != nil {
		return 0, err
	}
	if e.peek() != ":" {
		return 0, fmt.Errorf("missing : in a ?: expression")
	}
	e.pos++
	b, err := e.ternary()
	if err != nil {
		return 0, err
	}
	if c != 0 {
		return a, nil
	}
	return b, nil
}

func (e *exprParser) binary(minPrec int) (int64, error) {
	l, err := e.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := e.peek()
		prec, ok := binaryPrec[op]
		if !ok || prec < minPrec {
			return l, nil
		}
		e.pos++
		r, err := e.binary(prec + 1)
		if err != nil {
			return 0, err
		}
		if l, err = apply(op, l, r); err != nil {
			return 0, err
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func apply(op string, l, r int64) (int64, error) {
	switch op {
	case "||":
		return b2i(l != 0 || r != 0), nil
	case "&&":
		return b2i(l != 0 && r != 0), nil
	case "|":
		return l | r, nil
	case "^":
		return l ^ r, nil
	case "&":
		return l & r, nil
	case "==":
		return b2i(l == r), nil
	case "!=":
		return b2i(l != r), nil
	case "<":
		return b2i(l < r), nil
	case ">":
		return b2i(l > r), nil
	case "<=":
		return b2i(l <= r), nil
	case ">=":
		return b2i(l >= r), nil
	case "<<":
		return l << uint64(r&63), nil
	case ">>":
		return l >> uint64(r&63), nil
	case "+":
		return l + r, nil
	case "-":
		return l - r, nil
	case "*":
		return l * r, nil
	case "/", "%":
		if r == 0 {
			return 0, fmt.Errorf("division by zero")
		}
		if op == "/" {
			return l / r, nil
		}
		return l % r, nil
	}
	return 0, fmt.Errorf("unknown operator %s", op)
}

func (e *exprParser) unary() (int64, error) {
	t := e.peek()
	switch t {
	case "":
		return 0, fmt.Errorf("expression ends early")
	case "!", "~", "-", "+":
		e.pos++
		v, err := e.unary()
		switch t {
		case "!":
			return b2i(v == 0), err
		case "~":
			return ^v, err
		case "-":
			return -v, err
		}
		return v, err
	case "(":
		e.pos++
		v, err := e.ternary()
		if err != nil {
			return 0, err
		}
		if e.peek() != ")" {
			return 0, fmt.Errorf("missing )")
		}
		e.pos++
		return v, nil
	}
	e.pos++
	if isDigit(t[0]) {
		num := strings.TrimRight(t, "uUlL")
		v, err := strconv.ParseInt(num, 0, 64)
		if err != nil {
			u, uerr := strconv.ParseUint(num, 0, 64)
			if uerr != nil {
				return 0, fmt.Errorf("bad number %q", t)
			}
			v = int64(u)
		}
		return v, nil
	}
	if isIdent(t[0]) {
		return 0, nil // an identifier that is not a macro is 0 (C11 6.10.1p4)
	}
	return 0, fmt.Errorf("unexpected %q", t)
}
