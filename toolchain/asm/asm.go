package asm

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Options control assembly and linking.
type Options struct {
	// TextBase is the address of the first read-only (code) section; 0
	// means spec.RAMBase, where QEMU virt's RAM starts.
	TextBase uint64
	// DataBase is the address of the first writable section; 0 means
	// the next 4 KiB page after the read-only sections.
	DataBase uint64
	// NoRVC starts assembly in ".option norvc". The default is rvc, as
	// GNU as does for an -march that includes C.
	NoRVC bool
	// MaxErrors caps the errors reported; 0 means 20.
	MaxErrors int
	// Defsym defines absolute symbols before assembly, as GNU as
	// --defsym does (e.g. the addresses a linker script would give).
	Defsym map[string]int64
}

// ErrorList is every error of one assembly, each "file:line: message".
type ErrorList []string

func (e ErrorList) Error() string { return strings.Join(e, "\n") }

const pageSize = 0x1000

// section is an output section under construction.
type section struct {
	name   string
	flags  elf.SectionFlag
	nobits bool
	items  []*item
	align  uint64
	order  int // first use, for layout
	line   int // the line of first use, for messages
	used   bool
	addr   uint64
	size   uint64
	data   []byte
}

// symbol is a label (section + item index) or an .equ/.set value.
type symbol struct {
	name    string
	sec     *section
	index   int // the label is at the start of sec.items[index], or at the end
	equ     expr
	defined bool
	global  bool
	local   bool // .local: a .comm of it is allocated at once
	typ     elf.SymType
	line    int
	busy    bool // guards .equ cycles
}

type itemKind uint8

const (
	itemInsn   itemKind = iota // one instruction, fixed size
	itemBranch                 // a branch or jump to a label: relaxed
	itemData                   // .byte/.half/.word/.dword values
	itemBytes                  // literal bytes
	itemFill                   // .zero/.space
	itemAlign                  // .align and friends
	itemOrg                    // .org: pad up to an offset (in align)
)

// item is one piece of section content.
type item struct {
	kind itemKind
	line int
	off  uint64 // offset in the section, from layout
	size uint64

	// itemInsn, itemBranch
	row    *spec.Inst
	ops    []operand
	bytes  []byte     // already encoded (itemInsn with constant operands, itemBytes)
	rvc    *spec.Inst // itemBranch: the compressed form GNU starts from, or nil
	target expr       // itemBranch: the target address

	// itemData
	width int
	exprs []expr

	// itemFill, itemAlign, itemOrg
	fill    byte
	align   uint64 // itemAlign: the alignment; itemOrg: the offset to reach
	code    bool   // itemAlign: pad with nops
	hasFill bool   // itemAlign: an explicit fill value was given
}

// operand is one instruction operand: a constant, or an expression
// evaluated once addresses are known.
type operand struct {
	x   expr // nil when constant
	val int64
}

type assembler struct {
	pos      []srcPos // origin of each input line, when the input has linemarkers
	file     string
	opts     Options
	errs     ErrorList
	max      int
	line     int
	sections map[string]*section
	order    []*section
	cur      *section
	stack    []*section // .pushsection
	prev     *section   // .previous
	syms     map[string]*symbol
	symOrder []*symbol
	locals   map[string]int // numeric local label: definitions so far
	hidden   int
	rvc      bool
	rvcStack []bool
	pcrelHi  map[uint64]*item
	evalPC   uint64
	shown    string // the pseudo-instruction being expanded, for messages
	macro    string // the mnemonic a macro is expanding
	commons  []common

	// macros and conditional assembly (macro.go)
	macros     map[string]*macro
	collect    *block
	conds      []cond
	macroCount int
	expanding  int
	exitm      bool
	statements int
}

// Assemble assembles GNU-syntax RISC-V source and links it at the
// addresses opts gives. Errors name file:line; all of them (up to
// MaxErrors) come back as an ErrorList.
func Assemble(filename string, src []byte, opts Options) (obj *Object, err error) {
	a := &assembler{
		file: filename, opts: opts, max: opts.MaxErrors,
		sections: map[string]*section{}, syms: map[string]*symbol{},
		locals: map[string]int{}, rvc: !opts.NoRVC, pcrelHi: map[uint64]*item{},
	}
	if a.max <= 0 {
		a.max = 20
	}
	if a.opts.TextBase == 0 {
		a.opts.TextBase = spec.RAMBase
	}
	a.cur = a.section(".text", "", "")
	names := make([]string, 0, len(opts.Defsym))
	for n := range opts.Defsym {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "" || !isIdentStart(n[0]) {
			a.errorAt(0, "--defsym: bad symbol name %q", n)
			continue
		}
		sym := a.symbol(n)
		sym.defined, sym.equ = true, numExpr(opts.Defsym[n])
	}
	a.pos = linePositions(filename, string(src))
	lines := stripComments(string(src))
	for i, l := range lines {
		a.line = i + 1
		a.feedLine(l)
		if len(a.errs) >= a.max {
			break
		}
	}
	if a.collect != nil {
		a.errorAt(a.collect.line, "%s without %s", a.collect.kind, blockEnds[a.collect.kind])
	}
	if len(a.conds) > 0 {
		a.errorf(".if without .endif")
	}
	for _, c := range a.commons {
		a.allocCommon(c)
	}
	if len(a.errs) == 0 {
		a.layout()
	}
	if len(a.errs) == 0 {
		a.encode()
	}
	if len(a.errs) > 0 {
		return nil, a.errs
	}
	return a.object(), nil
}

func (a *assembler) errorf(format string, args ...any) {
	a.errorAt(a.line, format, args...)
}

func (a *assembler) errorAt(line int, format string, args ...any) {
	if len(a.errs) < a.max {
		file := a.file
		if line > 0 && line <= len(a.pos) {
			file, line = a.pos[line-1].file, a.pos[line-1].line
		}
		a.errs = append(a.errs, fmt.Sprintf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
}

// srcPos is where a line of the assembler's input came from.
type srcPos struct {
	file string
	line int
}

// linePositions maps each input line to its origin, following the GNU
// linemarkers (`# LINE "FILE"`) that a C preprocessor (toolchain/cpp, or
// gcc -E) writes, so errors name the .S or .h line a person wrote.
func linePositions(file, src string) []srcPos {
	if !strings.HasPrefix(src, "# ") && !strings.Contains(src, "\n# ") {
		return nil
	}
	lines := strings.Split(src, "\n")
	pos := make([]srcPos, len(lines))
	cur, n := file, 1
	for i, l := range lines {
		pos[i] = srcPos{cur, n}
		n++
		if f, ln, ok := parseLinemarker(l); ok {
			cur, n = f, ln
		}
	}
	return pos
}

func parseLinemarker(l string) (file string, line int, ok bool) {
	rest, found := strings.CutPrefix(l, "# ")
	if !found {
		return "", 0, false
	}
	num, name, found := strings.Cut(rest, " ")
	if !found {
		return "", 0, false
	}
	line, err := strconv.Atoi(num)
	if err != nil || line < 1 {
		return "", 0, false
	}
	if i := strings.LastIndexByte(name, '"'); len(name) > 1 && name[0] == '"' && i > 0 {
		if f, err := strconv.Unquote(name[:i+1]); err == nil {
			return f, line, true
		}
	}
	return "", 0, false
}

// stripComments removes /* */ and # comments (the RISC-V comment
// character of GNU as), keeping line numbers.
func stripComments(src string) []string {
	var b strings.Builder
	inStr, inBlock, inLine := false, false, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case inBlock:
			if c == '*' && i+1 < len(src) && src[i+1] == '/' {
				inBlock = false
				i++
			} else if c == '\n' {
				b.WriteByte(c)
			}
			continue
		case inLine:
			if c == '\n' {
				inLine = false
				b.WriteByte(c)
			}
			continue
		case inStr:
			if c == '\\' && i+1 < len(src) {
				b.WriteByte(c)
				i++
				c = src[i]
			} else if c == '"' || c == '\n' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '\'':
			// character constant: copy it whole so that '#' or '"' in it stays
			n := 2
			if i+1 < len(src) && src[i+1] == '\\' {
				n = 3
			}
			if i+n < len(src) && src[i+n] == '\'' {
				n++
			}
			if i+n > len(src) {
				n = len(src) - i
			}
			if strings.Contains(src[i:i+n], "\n") {
				break
			}
			b.WriteString(src[i : i+n])
			i += n - 1
			continue
		case c == '#':
			inLine = true
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			inBlock = true
			i++
			continue
		}
		b.WriteByte(c)
	}
	return strings.Split(b.String(), "\n")
}

// splitStatements splits a line at ';', GNU as's RISC-V line separator.
func splitStatements(l string) []string {
	var out []string
	inStr := false
	start := 0
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case c == '\'' && !inStr:
			// A character constant, 'c or 'c' (with an escape, '\c):
			// skip it whole, its optional closing quote included, as
			// stripComments does.
			if i+1 < len(l) && l[i+1] == '\\' {
				i++
			}
			i++
			if i+1 < len(l) && l[i+1] == '\'' {
				i++
			}
		case c == ';' && !inStr:
			out = append(out, l[start:i])
			start = i + 1
		}
	}
	return append(out, l[start:])
}

func (a *assembler) statement(s string) {
	s = strings.TrimSpace(s)
	// Labels: "name:" or "123:", several may precede a statement.
	for {
		n := 0
		for n < len(s) && isIdentChar(s[n]) {
			n++
		}
		if n == 0 || n >= len(s) || s[n] != ':' || (!isIdentStart(s[0]) && !allDigits(s[:n])) {
			break
		}
		a.label(s[:n])
		s = strings.TrimSpace(s[n+1:])
	}
	if s == "" {
		return
	}
	n := 0
	for n < len(s) && s[n] != ' ' && s[n] != '\t' {
		n++
	}
	head, rest := s[:n], strings.TrimSpace(s[n:])
	if m := a.macros[strings.ToLower(head)]; m != nil {
		a.expand(m, rest)
		return
	}
	// "sym = expr" is .set (as.info, "Setting Symbols").
	if strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "==") && isIdentStart(head[0]) {
		a.setSymbol(head, strings.TrimSpace(rest[1:]), false)
		return
	}
	if i := strings.IndexByte(head, '='); i > 0 && isIdentStart(head[0]) {
		a.setSymbol(head[:i], strings.TrimSpace(head[i+1:]+" "+rest), false)
		return
	}
	if head[0] == '.' {
		if d, ok := directives[strings.ToLower(head)]; ok {
			d(a, head, rest)
			return
		}
		if spec.Lookup(strings.ToLower(head)) == nil {
			a.errorf("unknown directive %q", head)
			return
		}
	}
	a.instruction(strings.ToLower(head), rest)
}

// localName resolves a symbol reference in an expression: numeric local
// labels Nb/Nf become the hidden name of that definition, and "."
// becomes a hidden label at the current position.
func (a *assembler) localName(ref string) (string, error) {
	if ref == "." {
		a.hidden++
		name := fmt.Sprintf(".L.dot%d", a.hidden)
		a.defineLabel(name)
		return name, nil
	}
	if n := len(ref); n >= 2 && allDigits(ref[:n-1]) {
		num := strings.TrimLeft(ref[:n-1], "0")
		count := a.locals[num]
		if ref[n-1] == 'b' {
			if count == 0 {
				return "", fmt.Errorf("undefined local label %q", ref)
			}
			return localLabel(num, count), nil
		}
		return localLabel(num, count+1), nil
	}
	return ref, nil
}

// localLabel names the n-th definition of numeric label num the way GNU
// as does (".L1^B2"); the name never appears in the symbol table.
func localLabel(num string, n int) string { return fmt.Sprintf(".L%s\x02%d", num, n) }

func (a *assembler) parseExpr(s string) (expr, error) { return parseExpr(s, a.localName) }

func (a *assembler) label(name string) {
	if allDigits(name) {
		num := strings.TrimLeft(name, "0")
		a.locals[num]++
		name = localLabel(num, a.locals[num])
	}
	a.defineLabel(name)
}

func (a *assembler) defineLabel(name string) {
	sym := a.symbol(name)
	if sym.defined {
		a.errorf("symbol %q already defined at line %d", name, sym.line)
		return
	}
	a.cur.used = true
	a.use(a.cur)
	sym.defined, sym.sec, sym.index, sym.line = true, a.cur, len(a.cur.items), a.line
}

func (a *assembler) symbol(name string) *symbol {
	sym, ok := a.syms[name]
	if !ok {
		sym = &symbol{name: name}
		a.syms[name] = sym
		a.symOrder = append(a.symOrder, sym)
	}
	return sym
}

func (a *assembler) setSymbol(name, text string, once bool) {
	x, err := a.parseExpr(text)
	if err != nil {
		a.errorf("%v", err)
		return
	}
	sym := a.symbol(name)
	if sym.defined && (once || sym.equ == nil) {
		a.errorf("symbol %q already defined at line %d", name, sym.line)
		return
	}
	// Keep the value as of this line when it is constant, so that a
	// later .set of the same name does not change earlier uses.
	if v, err := eval(x, parseEval{a}); err == nil && v.sec == nil {
		x = numExpr(v.off)
	}
	sym.defined, sym.equ, sym.line = true, x, a.line
}

func (a *assembler) use(s *section) {
	if s.order == 0 {
		a.order = append(a.order, s)
		s.order, s.line = len(a.order), a.line
	}
}

// sectionDefaults gives the flags of well-known section names, as GNU as
// assigns them (obj-elf.c special sections).
var sectionDefaults = []struct {
	prefix string
	flags  elf.SectionFlag
	nobits bool
}{
	{".text", elf.SHF_ALLOC | elf.SHF_EXECINSTR, false},
	{".init", elf.SHF_ALLOC | elf.SHF_EXECINSTR, false},
	{".rodata", elf.SHF_ALLOC, false},
	{".srodata", elf.SHF_ALLOC, false},
	{".data", elf.SHF_ALLOC | elf.SHF_WRITE, false},
	{".sdata", elf.SHF_ALLOC | elf.SHF_WRITE, false},
	{".tohost", elf.SHF_ALLOC | elf.SHF_WRITE, false},
	{".bss", elf.SHF_ALLOC | elf.SHF_WRITE, true},
	{".sbss", elf.SHF_ALLOC | elf.SHF_WRITE, true},
}

// section returns (creating) the section name, with GNU flag letters
// ("awx") and type ("@progbits", "@nobits") when given.
func (a *assembler) section(name, flags, typ string) *section {
	s, ok := a.sections[name]
	if !ok {
		s = &section{name: name, align: 1, flags: elf.SHF_ALLOC}
		for _, d := range sectionDefaults {
			if name == d.prefix || strings.HasPrefix(name, d.prefix+".") {
				s.flags, s.nobits = d.flags, d.nobits
				break
			}
		}
		a.sections[name] = s
	}
	if flags != "" {
		var f elf.SectionFlag
		for _, c := range flags {
			switch c {
			case 'a':
				f |= elf.SHF_ALLOC
			case 'w':
				f |= elf.SHF_WRITE
			case 'x':
				f |= elf.SHF_EXECINSTR
			case 'M', 'S', 'G', 'T', 'o', 'R', 'd', '?':
				// merge, strings, group, TLS, ...: no effect on a linked image
			default:
				a.errorf("unknown section flag %q", c)
			}
		}
		if f&elf.SHF_ALLOC == 0 {
			a.errorf("section %s: only allocated (\"a\") sections are supported", name)
		}
		s.flags = f | elf.SHF_ALLOC
	}
	switch typ {
	case "", "@progbits", "%progbits":
	case "@nobits", "%nobits":
		s.nobits = true
	default:
		a.errorf("unsupported section type %q", typ)
	}
	return s
}

func (a *assembler) add(it *item) {
	it.line = a.line
	a.cur.items = append(a.cur.items, it)
	a.cur.used = true
	a.use(a.cur)
	if a.cur.nobits && it.kind != itemFill && it.kind != itemAlign && it.kind != itemOrg {
		a.errorf("section %s holds no data (nobits); only .zero/.space/.align are allowed", a.cur.name)
	}
	if it.kind == itemFill && it.fill != 0 && a.cur.nobits {
		a.errorf("section %s holds no data (nobits): fill value must be 0", a.cur.name)
	}
}

// parseEval evaluates at parse time: labels are not constants yet.
type parseEval struct{ a *assembler }

func (p parseEval) symbol(name string) (value, error) {
	sym, ok := p.a.syms[name]
	if !ok || !sym.defined || sym.equ == nil {
		return value{}, errNotConstant{name}
	}
	if sym.busy {
		return value{}, fmt.Errorf("symbol %q is defined in terms of itself", name)
	}
	sym.busy = true
	defer func() { sym.busy = false }()
	return eval(sym.equ, p)
}

func (p parseEval) reloc(fn string, x expr) (value, error) {
	if fn == "pcrel_hi" || fn == "pcrel_lo" {
		return value{}, errNotConstant{"%" + fn}
	}
	v, err := eval(x, p)
	if err != nil {
		return v, err
	}
	return relocConst(fn, v)
}

func relocConst(fn string, v value) (value, error) {
	if v.sec != nil {
		return value{}, errNotConstant{"%" + fn}
	}
	if fn == "hi" {
		// lui sign-extends: the value must be a 32-bit signed one
		// (psABI R_RISCV_HI20 overflow check).
		if v.off+0x800 != int64(int32(v.off+0x800)) {
			return value{}, fmt.Errorf("%%hi(%#x): value out of range of lui+addi (not a sign-extended 32-bit value)", v.off)
		}
		return value{off: hi20(v.off)}, nil
	}
	return value{off: lo12(v.off)}, nil
}

// constant evaluates x at parse time: ok is false when x depends on
// something not known yet.
func (a *assembler) constant(x expr) (int64, bool, error) {
	v, err := eval(x, parseEval{a})
	var nc errNotConstant
	if errors.As(err, &nc) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if v.sec != nil {
		return 0, false, nil
	}
	return v.off, true, nil
}

// mustConstant evaluates an expression that must be constant now
// (directive counts, alignments).
func (a *assembler) mustConstant(text string) (int64, bool) {
	x, err := a.parseExpr(text)
	if err != nil {
		a.errorf("%v", err)
		return 0, false
	}
	v, ok, err := a.constant(x)
	if err != nil {
		a.errorf("%v", err)
		return 0, false
	}
	if !ok {
		a.errorf("%q must be a constant", text)
	}
	return v, ok
}

// layout places items in sections (relaxing branches), then sections in
// memory.
func (a *assembler) layout() {
	// Relax branches to the shortest form whose target is in range,
	// repeating until nothing changes, as GNU as's relax_segment does.
	for _, s := range a.order {
		// GNU as pads a code section to its alignment with nops
		// (md_section_align, then the code-alignment fill); data
		// sections are not padded.
		if s.flags&elf.SHF_EXECINSTR != 0 && s.align > 1 {
			s.items = append(s.items, &item{kind: itemAlign, align: s.align, code: true})
		}
		for _, it := range s.items {
			it.size = a.initialSize(it)
		}
	}
	for iter := 0; ; iter++ {
		changed := false
		for _, s := range a.order {
			var off uint64
			for _, it := range s.items {
				// A label's offset that moved can change a branch's
				// length, so a pass that moves anything is not the last.
				if it.off != off {
					changed = true
				}
				it.off = off
				var size uint64
				switch it.kind {
				case itemBranch:
					size = a.branchLength(s, it)
				case itemAlign:
					size = (it.align - off%it.align) % it.align
				case itemOrg:
					size = 0
					if it.align > off {
						size = it.align - off
					}
				default:
					size = it.size
				}
				if size != it.size {
					changed = true
					it.size = size
				}
				off += size
			}
			s.size = off
		}
		if !changed {
			break
		}
		if iter > 1000 {
			a.errorAt(0, "branch relaxation does not converge")
			return
		}
	}
	// Read-only sections from TextBase, in order of first use; writable
	// ones from the next page (or DataBase), progbits before nobits.
	var ro, rw, bss []*section
	for _, s := range a.order {
		switch {
		case s.flags&elf.SHF_WRITE == 0:
			ro = append(ro, s)
		case !s.nobits:
			rw = append(rw, s)
		default:
			bss = append(bss, s)
		}
	}
	addr := a.opts.TextBase
	for _, s := range ro {
		addr = alignUp(addr, s.align)
		s.addr = addr
		addr += s.size
	}
	if len(rw)+len(bss) > 0 {
		if a.opts.DataBase != 0 {
			addr = a.opts.DataBase
		} else {
			addr = alignUp(addr, pageSize)
		}
		for _, s := range append(rw, bss...) {
			addr = alignUp(addr, s.align)
			s.addr = addr
			addr += s.size
		}
	}
	// Sections must not overlap (DataBase may be set too low) or wrap.
	placed := append(append(ro, rw...), bss...)
	sort.SliceStable(placed, func(i, j int) bool { return placed[i].addr < placed[j].addr })
	for i, s := range placed {
		if s.addr+s.size < s.addr {
			a.errorAt(s.line, "section %s at %#x does not fit in the address space", s.name, s.addr)
		}
		if i > 0 && placed[i-1].addr+placed[i-1].size > s.addr && s.size > 0 {
			a.errorAt(s.line, "section %s at %#x overlaps section %s", s.name, s.addr, placed[i-1].name)
		}
	}
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

func (a *assembler) initialSize(it *item) uint64 {
	switch it.kind {
	case itemBranch:
		if it.rvc != nil {
			return 2
		}
		return 4
	case itemAlign, itemOrg:
		return 0
	}
	return it.size
}

// layoutEval evaluates during relaxation: labels are section offsets.
type layoutEval struct{ a *assembler }

func (l layoutEval) symbol(name string) (value, error) {
	sym, ok := l.a.syms[name]
	if !ok || !sym.defined {
		return value{}, fmt.Errorf("undefined symbol %q", name)
	}
	if sym.equ != nil {
		if sym.busy {
			return value{}, fmt.Errorf("symbol %q is defined in terms of itself", name)
		}
		sym.busy = true
		defer func() { sym.busy = false }()
		return eval(sym.equ, l)
	}
	return value{sec: sym.sec, off: int64(offsetOf(sym.sec, sym.index))}, nil
}

func (l layoutEval) reloc(fn string, x expr) (value, error) {
	return value{}, fmt.Errorf("%%%s is not allowed here", fn)
}

func offsetOf(s *section, index int) uint64 {
	if index < len(s.items) {
		return s.items[index].off
	}
	return s.size
}

// Branch reaches (binutils tc-riscv.c RVC_JUMP_REACH, RVC_BRANCH_REACH,
// RISCV_BRANCH_REACH): the offsets the short forms can encode.
const (
	rvcJumpReach   = 1 << 12
	rvcBranchReach = 1 << 9
	branchReach    = 1 << 13
)

// branchLength is binutils' relaxed_branch_length: 2 for the compressed
// form, 4 for the 32-bit form, 6 for an inverted c.beqz/c.bnez over a
// jal, and 8 for an inverted branch over a jal. A target in another
// section, or an absolute address, gets the longest form.
func (a *assembler) branchLength(s *section, it *item) uint64 {
	jump := it.row.Name == "jal"
	length := uint64(8)
	if jump {
		length = 4
	}
	v, err := eval(it.target, layoutEval{a})
	if err != nil || v.sec != s {
		return length
	}
	d := v.off - int64(it.off)
	reach := int64(rvcBranchReach)
	if jump {
		reach = rvcJumpReach
	}
	switch {
	case it.rvc != nil && d >= -reach/2 && d < reach/2:
		return 2
	case d >= -branchReach/2 && d < branchReach/2:
		return 4
	case !jump && it.rvc != nil:
		return 6
	}
	return length
}

// finalEval evaluates once every address is known.
type finalEval struct{ a *assembler }

func (f finalEval) symbol(name string) (value, error) {
	v, err := layoutEval(f).symbol(name)
	if err != nil {
		return v, err
	}
	if v.sec != nil {
		v = value{off: int64(v.sec.addr) + v.off}
	}
	return v, nil
}

func (f finalEval) reloc(fn string, x expr) (value, error) {
	switch fn {
	case "pcrel_hi":
		v, err := eval(x, f)
		if err != nil {
			return v, err
		}
		d := v.off - int64(f.a.evalPC)
		if d != int64(int32(d)) || (d+0x800) != int64(int32(d+0x800)) {
			return value{}, fmt.Errorf("%%pcrel_hi: target %#x is out of reach of pc %#x", v.off, f.a.evalPC)
		}
		return value{off: hi20(d)}, nil
	case "pcrel_lo":
		// %pcrel_lo(label) takes the low part of the %pcrel_hi at label
		// (RISC-V ELF psABI, "PC-relative symbol addresses").
		l, err := eval(x, f)
		if err != nil {
			return l, err
		}
		hi, ok := f.a.pcrelHi[uint64(l.off)]
		if !ok {
			return value{}, fmt.Errorf("%%pcrel_lo: no %%pcrel_hi instruction at %#x", l.off)
		}
		t, err := eval(hi.ops[1].x.(relocExpr).x, f)
		if err != nil {
			return t, err
		}
		return value{off: lo12(t.off - l.off)}, nil
	}
	v, err := eval(x, f)
	if err != nil {
		return v, err
	}
	return relocConst(fn, v)
}

// encode evaluates every remaining expression and fills the sections.
func (a *assembler) encode() {
	for _, s := range a.order {
		for _, it := range s.items {
			if it.kind == itemInsn && it.bytes == nil && len(it.ops) == 2 {
				if r, ok := it.ops[1].x.(relocExpr); ok && r.fn == "pcrel_hi" {
					a.pcrelHi[s.addr+it.off] = it
				}
			}
		}
	}
	for _, s := range a.order {
		if !s.nobits {
			s.data = make([]byte, 0, s.size)
		}
		for _, it := range s.items {
			if s.nobits {
				continue // only fills and alignment: nothing to write
			}
			pc := s.addr + it.off
			a.evalPC = pc
			a.line = it.line
			b := a.encodeItem(s, it, pc)
			if uint64(len(b)) != it.size {
				a.errorf("internal: item of %d bytes encoded as %d", it.size, len(b))
				b = make([]byte, it.size)
			}
			s.data = append(s.data, b...)
		}
	}
}

func (a *assembler) encodeItem(s *section, it *item, pc uint64) []byte {
	switch it.kind {
	case itemBytes:
		return it.bytes
	case itemFill:
		return repeat(it.fill, it.size)
	case itemOrg:
		if it.off > it.align {
			a.errorf(".org %#x: the section is already at offset %#x", it.align, it.off)
		}
		return repeat(it.fill, it.size)
	case itemAlign:
		if it.code && !it.hasFill {
			return nops(it.size)
		}
		return repeat(it.fill, it.size)
	case itemData:
		out := make([]byte, 0, it.size)
		for _, x := range it.exprs {
			v, err := eval(x, finalEval{a})
			if err != nil {
				a.errorf("%v", err)
			}
			if it.width < 8 {
				bits := uint(it.width * 8)
				if lo, hi := -int64(1)<<(bits-1), int64(1)<<bits; v.off < lo || v.off >= hi {
					a.errorf("value %#x does not fit in %d bytes", v.off, it.width)
				}
			}
			out = appendLE(out, uint64(v.off), it.width)
		}
		return out
	case itemInsn:
		if it.bytes != nil {
			return it.bytes
		}
		vals, ok := a.finalOperands(it.row, it.ops, pc)
		if !ok {
			return make([]byte, it.size)
		}
		w, err := encodeArgs(it.row, vals)
		if err != nil {
			a.errorf("%v", err)
		}
		return appendLE(nil, uint64(w), it.row.Len())
	case itemBranch:
		return a.encodeBranch(it, pc)
	}
	return nil
}

func (a *assembler) finalOperands(row *spec.Inst, ops []operand, pc uint64) ([]int64, bool) {
	vals := make([]int64, len(ops))
	for i, op := range ops {
		vals[i] = op.val
		if op.x == nil {
			continue
		}
		v, err := eval(op.x, finalEval{a})
		if err == nil && v.sec != nil {
			err = fmt.Errorf("internal: unresolved address")
		}
		if err != nil {
			a.errorf("%v", err)
			return nil, false
		}
		vals[i], err = operandValue(row.Args[i], v.off, pc)
		if err != nil {
			a.errorf("%v", err)
			return nil, false
		}
	}
	return vals, true
}

// operandValue turns a written operand into the Arg value.
func operandValue(arg spec.Arg, v int64, pc uint64) (int64, error) {
	switch argClasses[arg] {
	case classUpper:
		return upperValue(v)
	case classTarget:
		return v - int64(pc), nil
	}
	return v, nil
}

// invert maps a conditional branch to its negation, used when a branch
// is relaxed into "inverted branch over a jal" (binutils md_convert_frag).
var invert = map[string]string{
	"beq": "bne", "bne": "beq", "blt": "bge", "bge": "blt", "bltu": "bgeu", "bgeu": "bltu",
	"c.beqz": "c.bnez", "c.bnez": "c.beqz",
}

func (a *assembler) encodeBranch(it *item, pc uint64) []byte {
	t, err := eval(it.target, finalEval{a})
	if err == nil && t.sec != nil {
		err = fmt.Errorf("internal: unresolved address")
	}
	if err != nil {
		a.errorf("%v", err)
		return make([]byte, it.size)
	}
	d := t.off - int64(pc)
	vals := make([]int64, len(it.ops))
	for i, op := range it.ops {
		vals[i] = op.val
	}
	immIndex := len(vals) - 1 // the target is the last operand of B, J, CB and CJ rows
	var out []byte
	emit := func(row *spec.Inst, v []int64) {
		w, err := encodeArgs(row, v)
		if err != nil {
			a.errorf("%v", err)
		}
		out = appendLE(out, uint64(w), row.Len())
	}
	jalX0 := func(off int64) { emit(spec.Lookup("jal"), []int64{0, off}) }
	switch it.size {
	case 2:
		cv := append([]int64(nil), it.rvcVals()...)
		cv[len(cv)-1] = d
		emit(it.rvc, cv)
	case 4:
		vals[immIndex] = d
		emit(it.row, vals)
	case 6:
		cv := append([]int64(nil), it.rvcVals()...)
		cv[len(cv)-1] = 6
		emit(spec.Lookup(invert[it.rvc.Name]), cv)
		jalX0(d - 2)
	case 8:
		vals[immIndex] = 8
		emit(spec.Lookup(invert[it.row.Name]), vals)
		jalX0(d - 4)
	}
	return out
}

// rvcVals are the operands of the compressed form of a branch item: its
// source register (c.beqz/c.bnez) and a placeholder offset.
func (it *item) rvcVals() []int64 {
	if it.rvc.Name == "c.j" {
		return []int64{0}
	}
	return []int64{it.ops[0].val, 0}
}

func repeat(b byte, n uint64) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// nops fills code padding the way binutils riscv_make_nops does: a zero
// byte if the count is odd, one c.nop if needed, then 4-byte nops.
func nops(n uint64) []byte {
	out := make([]byte, 0, n)
	if n%2 == 1 {
		out = append(out, 0)
	}
	if (n-uint64(len(out)))%4 == 2 {
		out = appendLE(out, 0x0001, 2)
	}
	for uint64(len(out)) < n {
		out = appendLE(out, 0x00000013, 4)
	}
	return out
}

func appendLE(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// object collects the result.
func (a *assembler) object() *Object {
	o := &Object{RVC: true}
	for _, s := range a.order {
		o.Sections = append(o.Sections, Section{
			Name: s.name, Addr: s.addr, Size: s.size, Data: s.data, Flags: s.flags,
			NoBits: s.nobits, Align: s.align,
		})
	}
	sort.SliceStable(o.Sections, func(i, j int) bool { return o.Sections[i].Addr < o.Sections[j].Addr })
	for _, sym := range a.symOrder {
		if !sym.defined || strings.HasPrefix(sym.name, ".L") {
			continue
		}
		v, err := finalEval{a}.symbol(sym.name)
		if err != nil {
			continue
		}
		s := Symbol{Name: sym.name, Value: uint64(v.off), Global: sym.global, Type: sym.typ}
		if sym.equ == nil {
			s.Section = sym.sec.name
		}
		o.Symbols = append(o.Symbols, s)
	}
	if v, ok := o.Symbol("_start"); ok {
		o.Entry = v
	} else if s, ok := a.sections[".text"]; ok && s.size > 0 {
		o.Entry = s.addr
	} else {
		o.Entry = a.opts.TextBase
	}
	return o
}

// itoa is strconv.Itoa for expansions.
func itoa(v int64) string { return strconv.FormatInt(v, 10) }
