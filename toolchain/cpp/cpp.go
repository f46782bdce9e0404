// Package cpp is the subset of the C preprocessor that assembler sources
// (.S files) use with riscv64-unknown-elf-gcc: #include "file",
// object-like and function-like #define, #undef, #ifdef/#ifndef/#if/
// #elif/#else/#endif with integer expressions and defined(), C comments
// and backslash line continuations. It lets `vcheck asm` and
// `vcheck check` assemble the same .S files gcc does, with no toolchain
// installed.
//
// The output keeps one output line per input line of each file and marks
// file changes with GNU linemarkers (`# LINE "FILE"`), which the
// assembler reads to report errors at the right file and line.
package cpp

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Include returns the contents of an #include'd file by name.
type Include func(name string) ([]byte, error)

// Options control preprocessing.
type Options struct {
	Include Include           // nil: #include is an error
	Defines map[string]string // predefined object-like macros (-D)
}

// macro is one #define.
type macro struct {
	params   []string // nil for an object-like macro
	function bool
	body     string
}

type preprocessor struct {
	opts   Options
	macros map[string]*macro
	out    strings.Builder
	errs   []string
	depth  int
}

// maxIncludeDepth bounds #include nesting, so a file that includes
// itself is an error, not a stack overflow.
const maxIncludeDepth = 32

// Preprocess runs the preprocessor over src. Errors name file:line.
func Preprocess(filename string, src []byte, opts Options) ([]byte, error) {
	p := &preprocessor{opts: opts, macros: map[string]*macro{}}
	for k, v := range opts.Defines {
		p.macros[k] = &macro{body: v}
	}
	p.file(filename, string(src))
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(p.errs, "\n"))
	}
	return []byte(p.out.String()), nil
}

func (p *preprocessor) errorf(file string, line int, format string, args ...any) {
	if len(p.errs) < 20 {
		p.errs = append(p.errs, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
}

// cond is one level of #if nesting.
type cond struct {
	active   bool // this branch's lines are kept
	taken    bool // some branch of this #if was taken
	parentOn bool // the enclosing level is active
	line     int
}

// logicalLines joins backslash continuations and removes C comments,
// keeping one entry per physical line (joined lines leave empty ones).
func logicalLines(src string) []string {
	phys := strings.Split(src, "\n")
	out := make([]string, len(phys))
	inComment := false
	for i := 0; i < len(phys); i++ {
		var b strings.Builder
		start := i
		line := phys[i]
		for {
			line = strings.TrimSuffix(line, "\r")
			// Remove comments, tracking /* */ across lines and leaving strings alone.
			inStr := byte(0)
			for j := 0; j < len(line); j++ {
				c := line[j]
				switch {
				case inComment:
					if c == '*' && j+1 < len(line) && line[j+1] == '/' {
						inComment = false
						j++
						b.WriteByte(' ')
					}
				case inStr != 0:
					b.WriteByte(c)
					if c == '\\' && j+1 < len(line) {
						b.WriteByte(line[j+1])
						j++
					} else if c == inStr {
						inStr = 0
					}
				case c == '"':
					inStr = c
					b.WriteByte(c)
				case c == '/' && j+1 < len(line) && line[j+1] == '*':
					inComment = true
					j++
				case c == '/' && j+1 < len(line) && line[j+1] == '/':
					j = len(line)
				default:
					b.WriteByte(c)
				}
			}
			s := b.String()
			if strings.HasSuffix(s, "\\") && i+1 < len(phys) {
				b.Reset()
				b.WriteString(strings.TrimSuffix(s, "\\"))
				i++
				line = phys[i]
				continue
			}
			break
		}
		out[start] = b.String()
	}
	return out
}

func (p *preprocessor) file(name, src string) {
	p.depth++
	defer func() { p.depth-- }()
	fmt.Fprintf(&p.out, "# 1 %q\n", name)
	lines := logicalLines(src)
	var conds []cond
	active := func() bool { return len(conds) == 0 || conds[len(conds)-1].active }
	for i, l := range lines {
		n := i + 1
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			dir, rest := splitDirective(t[1:])
			switch dir {
			case "ifdef", "ifndef":
				_, def := p.macros[strings.TrimSpace(rest)]
				on := active() && (def == (dir == "ifdef"))
				conds = append(conds, cond{active: on, taken: on, parentOn: active(), line: n})
			case "if":
				v := active() && p.eval(name, n, rest)
				conds = append(conds, cond{active: v, taken: v, parentOn: active(), line: n})
			case "elif":
				if len(conds) == 0 {
					p.errorf(name, n, "#elif without #if")
					break
				}
				c := &conds[len(conds)-1]
				c.active = c.parentOn && !c.taken && p.eval(name, n, rest)
				c.taken = c.taken || c.active
			case "else":
				if len(conds) == 0 {
					p.errorf(name, n, "#else without #if")
					break
				}
				c := &conds[len(conds)-1]
				c.active = c.parentOn && !c.taken
				c.taken = true
			case "endif":
				if len(conds) == 0 {
					p.errorf(name, n, "#endif without #if")
					break
				}
				conds = conds[:len(conds)-1]
			default:
				if !active() {
					break
				}
				if !knownDirective[dir] {
					// In assembler-with-cpp mode GNU cpp passes a line it
					// does not know as a directive through unchanged: for
					// the assembler, # starts a comment.
					p.out.WriteString(l)
					p.out.WriteByte('\n')
					continue
				}
				p.directive(name, n, dir, rest)
				if dir == "include" {
					fmt.Fprintf(&p.out, "# %d %q\n", n+1, name)
					continue
				}
			}
			p.out.WriteByte('\n')
			continue
		}
		if active() {
			p.out.WriteString(p.expand(name, n, l, nil))
		}
		p.out.WriteByte('\n')
	}
	for _, c := range conds {
		p.errorf(name, c.line, "#if without #endif")
	}
}

func splitDirective(s string) (dir, rest string) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func (p *preprocessor) directive(file string, line int, dir, rest string) {
	switch dir {
	case "include":
		if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
			p.errorf(file, line, `#include expects "FILE" (system includes <...> are not supported)`)
			return
		}
		name := rest[1 : len(rest)-1]
		if p.opts.Include == nil {
			p.errorf(file, line, "#include %q: no include path", name)
			return
		}
		if p.depth >= maxIncludeDepth {
			p.errorf(file, line, "#include %q: nested more than %d deep", name, maxIncludeDepth)
			return
		}
		data, err := p.opts.Include(name)
		if err != nil {
			p.errorf(file, line, "#include %q: %v", name, err)
			return
		}
		p.file(path.Clean(name), string(data))
	case "define":
		name, m, err := parseDefine(rest)
		if err != nil {
			p.errorf(file, line, "#define: %v", err)
			return
		}
		p.macros[name] = m
	case "undef":
		delete(p.macros, strings.TrimSpace(rest))
	case "error":
		p.errorf(file, line, "#error %s", rest)
	case "", "pragma", "line":
		// A lone # and #pragma are ignored, as cpp does; #line is rare in
		// assembler sources and ignored.
	}
}

// knownDirective are the directives this preprocessor acts on; any other
// # line is passed through as a comment.
var knownDirective = map[string]bool{"include": true, "define": true, "undef": true, "error": true, "": true, "pragma": true, "line": true}

func parseDefine(s string) (string, *macro, error) {
	i := 0
	for i < len(s) && isIdent(s[i]) {
		i++
	}
	if i == 0 || isDigit(s[0]) {
		return "", nil, fmt.Errorf("macro name missing in %q", s)
	}
	name, rest := s[:i], s[i:]
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return "", nil, fmt.Errorf("%s: missing ) in parameter list", name)
		}
		var params []string
		for _, prm := range strings.Split(rest[1:end], ",") {
			if prm = strings.TrimSpace(prm); prm != "" {
				params = append(params, prm)
			}
		}
		return name, &macro{params: params, function: true, body: strings.TrimSpace(rest[end+1:])}, nil
	}
	return name, &macro{body: strings.TrimSpace(rest)}, nil
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// expand replaces macros in s. hide holds the macros being expanded, so
// a macro never expands inside itself (C11 6.10.3.4).
func (p *preprocessor) expand(file string, line int, s string, hide map[string]bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j < len(s) {
				j++
			}
			b.WriteString(s[i:min(j, len(s))])
			i = j
		case isIdent(c) && !isDigit(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			word := s[i:j]
			m := p.macros[word]
			if m == nil || hide[word] {
				b.WriteString(word)
				i = j
				continue
			}
			inner := map[string]bool{word: true}
			for k := range hide {
				inner[k] = true
			}
			if !m.function {
				b.WriteString(p.expand(file, line, m.body, inner))
				i = j
				continue
			}
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			if k >= len(s) || s[k] != '(' {
				b.WriteString(word) // a function-like macro name without ( is not a call
				i = j
				continue
			}
			args, end, ok := splitArgs(s, k)
			if !ok {
				p.errorf(file, line, "unterminated call of macro %s", word)
				return b.String() + s[i:]
			}
			if len(args) == 1 && strings.TrimSpace(args[0]) == "" && len(m.params) == 0 {
				args = nil
			}
			if len(args) != len(m.params) {
				p.errorf(file, line, "macro %s takes %d arguments, got %d", word, len(m.params), len(args))
				return b.String() + s[i:]
			}
			body := substitute(m, args, func(a string) string { return p.expand(file, line, a, hide) })
			b.WriteString(p.expand(file, line, body, inner))
			i = end
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// splitArgs splits the argument list starting at s[open] == '(' at
// top-level commas, and returns the index after the closing paren.
func splitArgs(s string, open int) ([]string, int, bool) {
	depth := 0
	var args []string
	start := open + 1
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return append(args, s[start:i]), i + 1, true
			}
		case ',':
			if depth == 1 {
				args = append(args, s[start:i])
				start = i + 1
			}
		case '"', '\'':
			q := s[i]
			for i++; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		}
	}
	return nil, 0, false
}

// substitute puts the (expanded) arguments in place of the parameters,
// with # (stringize) and ## (paste).
func substitute(m *macro, args []string, expandArg func(string) string) string {
	idx := map[string]int{}
	for i, prm := range m.params {
		idx[prm] = i
	}
	body := m.body
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		if c == '#' && i+1 < len(body) && body[i+1] == '#' {
			// Paste: drop the ## and the spaces around it.
			s := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(s)
			i += 2
			for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
				i++
			}
			j := i
			for j < len(body) && isIdent(body[j]) {
				j++
			}
			if k, ok := idx[body[i:j]]; ok && j > i {
				b.WriteString(strings.TrimSpace(args[k]))
				i = j
			}
			continue
		}
		if c == '#' {
			j := i + 1
			for j < len(body) && body[j] == ' ' {
				j++
			}
			k := j
			for k < len(body) && isIdent(body[k]) {
				k++
			}
			if n, ok := idx[body[j:k]]; ok && k > j {
				b.WriteString(strconv.Quote(strings.TrimSpace(args[n])))
				i = k
				continue
			}
		}
		if isIdent(c) && !isDigit(c) {
			j := i
			for j < len(body) && isIdent(body[j]) {
				j++
			}
			if n, ok := idx[body[i:j]]; ok {
				// An argument next to ## is pasted unexpanded.
				next := strings.TrimLeft(body[j:], " \t")
				if strings.HasPrefix(next, "##") {
					b.WriteString(strings.TrimSpace(args[n]))
				} else {
					b.WriteString(expandArg(strings.TrimSpace(args[n])))
				}
			} else {
				b.WriteString(body[i:j])
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}
