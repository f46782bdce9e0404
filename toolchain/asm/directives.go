package asm

import (
	"debug/elf"
	"strings"
)

// directives are the GNU as directives the assembler implements
// (as.info, "Assembler Directives", and "RISC-V Directives").
var directives map[string]func(a *assembler, name, rest string)

func init() {
	directives = map[string]func(a *assembler, name, rest string){
		".text":        func(a *assembler, _, _ string) { a.switchTo(a.section(".text", "", "")) },
		".data":        func(a *assembler, _, _ string) { a.switchTo(a.section(".data", "", "")) },
		".bss":         func(a *assembler, _, _ string) { a.switchTo(a.section(".bss", "", "")) },
		".section":     (*assembler).dirSection,
		".pushsection": (*assembler).dirSection,
		".popsection":  (*assembler).dirPopSection,
		".previous":    func(a *assembler, _, _ string) { a.switchTo(a.prev) },
		".globl":       (*assembler).dirGlobal,
		".global":      (*assembler).dirGlobal,
		".weak":        (*assembler).dirGlobal,
		".local":       (*assembler).dirLocal,
		".comm":        (*assembler).dirComm,
		".lcomm":       (*assembler).dirComm,
		".align":       (*assembler).dirAlign,
		".p2align":     (*assembler).dirAlign,
		".balign":      (*assembler).dirAlign,
		".byte":        (*assembler).dirData,
		".half":        (*assembler).dirData,
		".short":       (*assembler).dirData,
		".2byte":       (*assembler).dirData,
		".word":        (*assembler).dirData,
		".long":        (*assembler).dirData,
		".4byte":       (*assembler).dirData,
		".dword":       (*assembler).dirData,
		".quad":        (*assembler).dirData,
		".8byte":       (*assembler).dirData,
		".string":      (*assembler).dirString,
		".asciz":       (*assembler).dirString,
		".ascii":       (*assembler).dirString,
		".zero":        (*assembler).dirSpace,
		".space":       (*assembler).dirSpace,
		".skip":        (*assembler).dirSpace,
		".equ":         (*assembler).dirSet,
		".set":         (*assembler).dirSet,
		".equiv":       (*assembler).dirSet,
		".option":      (*assembler).dirOption,
		".type":        (*assembler).dirType,
		".insn":        (*assembler).dirInsn,
		".org":         (*assembler).dirOrg,
		".fill":        (*assembler).dirFill,
		".uleb128":     (*assembler).dirLEB128,
		".sleb128":     (*assembler).dirLEB128,
		// Accepted and ignored: they only describe the object for
		// debuggers and linkers, not the bytes.
		".size": ignore, ".file": ignore, ".ident": ignore, ".attribute": ignore,
		".cfi_startproc": ignore, ".cfi_endproc": ignore, ".cfi_sections": ignore,
		".cfi_def_cfa_offset": ignore, ".cfi_offset": ignore, ".cfi_restore": ignore,
		".loc": ignore, ".addrsig": ignore,
	}
}

func ignore(*assembler, string, string) {}

// dataWidths are the sizes of the data directives (RV64: .long and
// .word are 4 bytes, .quad and .dword 8).
var dataWidths = map[string]int{
	".byte": 1, ".half": 2, ".short": 2, ".2byte": 2, ".word": 4, ".long": 4, ".4byte": 4,
	".dword": 8, ".quad": 8, ".8byte": 8,
}

func (a *assembler) switchTo(s *section) {
	if s == nil {
		a.errorf("no previous section")
		return
	}
	a.prev, a.cur = a.cur, s
}

// dirSection is .section NAME[, "FLAGS"[, @TYPE]] and .pushsection.
func (a *assembler) dirSection(name, rest string) {
	args := splitOperands(rest)
	if len(args) == 0 || args[0] == "" {
		a.errorf("%s: missing section name", name)
		return
	}
	var flags, typ string
	if len(args) > 1 {
		flags = strings.Trim(args[1], `"`)
	}
	if len(args) > 2 {
		typ = args[2]
	}
	s := a.section(strings.Trim(args[0], `"`), flags, typ)
	if name == ".pushsection" {
		a.stack = append(a.stack, a.cur)
	}
	a.switchTo(s)
}

func (a *assembler) dirPopSection(name, rest string) {
	if len(a.stack) == 0 {
		a.errorf(".popsection without .pushsection")
		return
	}
	s := a.stack[len(a.stack)-1]
	a.stack = a.stack[:len(a.stack)-1]
	a.switchTo(s)
}

func (a *assembler) dirGlobal(name, rest string) {
	for _, n := range splitOperands(rest) {
		if n == "" || !isIdentStart(n[0]) {
			a.errorf("%s: bad symbol name %q", name, n)
			continue
		}
		a.symbol(n).global = true
	}
}

// dirAlign is .align/.p2align (a power of two, as GNU as for RISC-V
// reads .align) and .balign (a byte count), with an optional fill value.
// In an executable section without a fill value the padding is nops.
func (a *assembler) dirAlign(name, rest string) {
	args := splitOperands(rest)
	if len(args) == 0 || args[0] == "" {
		a.errorf("%s: missing alignment", name)
		return
	}
	n, ok := a.mustConstant(args[0])
	if !ok {
		return
	}
	align := uint64(n)
	if name != ".balign" {
		if n < 0 || n > 16 {
			a.errorf("%s: alignment %d out of range [0, 16]", name, n)
			return
		}
		align = 1 << n
	} else if n <= 0 || n&(n-1) != 0 {
		a.errorf("%s: alignment %d is not a power of 2", name, n)
		return
	}
	it := &item{kind: itemAlign, align: align, code: a.cur.flags&elf.SHF_EXECINSTR != 0}
	if len(args) > 1 && args[1] != "" {
		f, ok := a.mustConstant(args[1])
		if !ok {
			return
		}
		it.fill, it.hasFill = byte(f), true
	}
	if len(args) > 2 {
		a.errorf("%s: the max-skip operand is not supported", name)
		return
	}
	if align > a.cur.align {
		a.cur.align = align
	}
	// binutils riscv_frag_align_code: code alignment no larger than the
	// instruction alignment (2 with rvc, 4 without) is assumed to hold
	// already and emits nothing, even where it does not hold.
	insnAlign := uint64(4)
	if a.rvc {
		insnAlign = 2
	}
	if it.code && !it.hasFill && align <= insnAlign {
		return
	}
	a.add(it)
}

func (a *assembler) dirData(name, rest string) {
	width := dataWidths[strings.ToLower(name)]
	it := &item{kind: itemData, width: width}
	for _, arg := range splitOperands(rest) {
		x, err := a.parseExpr(arg)
		if err != nil {
			a.errorf("%s: %v", name, err)
			return
		}
		it.exprs = append(it.exprs, x)
	}
	it.size = uint64(width * len(it.exprs))
	a.add(it)
}

// dirString is .ascii, and .string/.asciz which add a NUL to each string.
func (a *assembler) dirString(name, rest string) {
	var out []byte
	for _, arg := range splitOperands(rest) {
		s, err := unquote(arg)
		if err != nil {
			a.errorf("%s: %v", name, err)
			return
		}
		out = append(out, s...)
		if name != ".ascii" {
			out = append(out, 0)
		}
	}
	a.add(&item{kind: itemBytes, bytes: out, size: uint64(len(out))})
}

// unquote reads a GNU as string literal.
func unquote(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil, errorString("want a quoted string, have " + s)
	}
	s = s[1 : len(s)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, errorString("string ends in a backslash")
		}
		switch {
		case s[i] >= '0' && s[i] <= '7':
			v, n := 0, 0
			for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
				v = v*8 + int(s[i+n]-'0')
				n++
			}
			out = append(out, byte(v))
			i += n - 1
		case s[i] == 'x':
			v, n := 0, 0
			for i+1+n < len(s) && isHex(s[i+1+n]) {
				v = v*16 + hexVal(s[i+1+n])
				n++
			}
			if n == 0 {
				return nil, errorString(`\x without hex digits`)
			}
			out = append(out, byte(v))
			i += n
		default:
			e, ok := escapes[s[i]]
			if !ok {
				return nil, errorString("unknown escape \\" + string(s[i]))
			}
			out = append(out, e)
		}
	}
	return out, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// dirSpace is .zero N, .space N[, FILL] and .skip.
func (a *assembler) dirSpace(name, rest string) {
	args := splitOperands(rest)
	if len(args) == 0 || len(args) > 2 {
		a.errorf("%s: want a size and an optional fill value", name)
		return
	}
	n, ok := a.mustConstant(args[0])
	if !ok {
		return
	}
	// Bounds keep a typo from allocating gigabytes: 64 MiB of data,
	// 1 GiB of .bss (QEMU virt's default RAM is 128 MiB).
	limit := int64(64 << 20)
	if a.cur.nobits {
		limit = 1 << 30
	}
	if n < 0 || n > limit {
		a.errorf("%s: size %d out of range [0, %d]", name, n, limit)
		return
	}
	it := &item{kind: itemFill, size: uint64(n)}
	if len(args) == 2 {
		f, ok := a.mustConstant(args[1])
		if !ok {
			return
		}
		it.fill = byte(f)
	}
	a.add(it)
}

func (a *assembler) dirSet(name, rest string) {
	args := splitOperands(rest)
	if len(args) != 2 || args[0] == "" || !isIdentStart(args[0][0]) {
		a.errorf("%s: want a symbol and a value", name)
		return
	}
	a.setSymbol(args[0], args[1], name == ".equiv")
}

// dirOption is .option rvc/norvc/push/pop; relax/norelax and nopic are
// accepted (this assembler links itself and never relaxes across
// instructions).
func (a *assembler) dirOption(name, rest string) {
	switch strings.TrimSpace(rest) {
	case "rvc":
		a.rvc = true
	case "norvc":
		a.rvc = false
	case "push":
		a.rvcStack = append(a.rvcStack, a.rvc)
	case "pop":
		if len(a.rvcStack) == 0 {
			a.errorf(".option pop without .option push")
			return
		}
		a.rvc = a.rvcStack[len(a.rvcStack)-1]
		a.rvcStack = a.rvcStack[:len(a.rvcStack)-1]
	case "relax", "norelax", "nopic":
	default:
		args := splitOperands(rest)
		if len(args) >= 2 && args[0] == "arch" {
			a.optionArch(args[1:])
			return
		}
		a.errorf(".option %s is not supported", strings.TrimSpace(rest))
	}
}

// optionArch follows ".option arch, ..." for what matters here, the C
// extension: "+c" and "-c" turn compression on and off, and a full
// string ("rv64imac_zicsr") sets it from its single-letter extensions.
// Other extensions are accepted: the instruction table is rv64pg's.
func (a *assembler) optionArch(args []string) {
	for _, arg := range args {
		arg = strings.ToLower(strings.TrimSpace(arg))
		switch {
		case arg == "+c":
			a.rvc = true
		case arg == "-c":
			a.rvc = false
		case strings.HasPrefix(arg, "rv32") || strings.HasPrefix(arg, "rv64"):
			base, _, _ := strings.Cut(arg[4:], "_")
			a.rvc = strings.Contains(base, "c")
		case strings.HasPrefix(arg, "+") || strings.HasPrefix(arg, "-"):
		default:
			a.errorf(".option arch: bad operand %q", arg)
		}
	}
}

// symTypes are the .type values that the symbol table records.
var symTypes = map[string]elf.SymType{
	"@function": elf.STT_FUNC, "%function": elf.STT_FUNC, "STT_FUNC": elf.STT_FUNC,
	"@object": elf.STT_OBJECT, "%object": elf.STT_OBJECT, "STT_OBJECT": elf.STT_OBJECT,
	"@notype": elf.STT_NOTYPE, "%notype": elf.STT_NOTYPE,
}

func (a *assembler) dirType(name, rest string) {
	args := splitOperands(rest)
	if len(args) != 2 {
		a.errorf(".type: want a symbol and a type")
		return
	}
	t, ok := symTypes[args[1]]
	if !ok {
		a.errorf(".type: unknown type %q", args[1])
		return
	}
	a.symbol(args[0]).typ = t
}

func (a *assembler) dirLocal(name, rest string) {
	for _, n := range splitOperands(rest) {
		if n == "" || !isIdentStart(n[0]) {
			a.errorf("%s: bad symbol name %q", name, n)
			continue
		}
		a.symbol(n).local = true
	}
}

// dirComm is .comm NAME, SIZE[, ALIGN] and .lcomm. A local symbol gets
// its space in .bss at once, as gas's bss_alloc does; a global common
// symbol is placed at the end of .bss when assembly ends, where ld puts
// COMMON.
func (a *assembler) dirComm(name, rest string) {
	args := splitOperands(rest)
	if len(args) < 2 || len(args) > 3 || args[0] == "" || !isIdentStart(args[0][0]) {
		a.errorf("%s: want NAME, SIZE[, ALIGN]", name)
		return
	}
	size, ok := a.mustConstant(args[1])
	if !ok {
		return
	}
	align := int64(1)
	if len(args) == 3 {
		if align, ok = a.mustConstant(args[2]); !ok {
			return
		}
	}
	if size < 0 || size > 1<<30 || align <= 0 || align&(align-1) != 0 || align > 1<<16 {
		a.errorf("%s: bad size %d or alignment %d", name, size, align)
		return
	}
	c := common{name: args[0], size: uint64(size), align: uint64(align), line: a.line}
	if name == ".lcomm" || a.symbol(args[0]).local {
		a.allocCommon(c)
		return
	}
	a.commons = append(a.commons, c)
}

// common is a .comm symbol waiting for its place in .bss.
type common struct {
	name        string
	size, align uint64
	line        int
}

func (a *assembler) allocCommon(c common) {
	cur, line := a.cur, a.line
	a.cur, a.line = a.section(".bss", "", ""), c.line
	if c.align > a.cur.align {
		a.cur.align = c.align
	}
	a.add(&item{kind: itemAlign, align: c.align})
	a.defineLabel(c.name)
	a.add(&item{kind: itemFill, size: c.size})
	a.cur, a.line = cur, line
}

// dirOrg is .org OFFSET[, FILL]: advance to OFFSET within the section,
// filling with FILL (zero by default, also in code).
func (a *assembler) dirOrg(name, rest string) {
	args := splitOperands(rest)
	if len(args) == 0 || len(args) > 2 {
		a.errorf(".org: want an offset and an optional fill value")
		return
	}
	off, ok := a.mustConstant(args[0])
	if !ok {
		return
	}
	if off < 0 || off > 1<<30 {
		a.errorf(".org: offset %d out of range", off)
		return
	}
	it := &item{kind: itemOrg, align: uint64(off)}
	if len(args) == 2 {
		f, ok := a.mustConstant(args[1])
		if !ok {
			return
		}
		it.fill = byte(f)
	}
	a.add(it)
}

// dirFill is .fill REPEAT[, SIZE[, VALUE]]: each of the REPEAT pieces is
// the first SIZE (at most 8) bytes of the 8-byte little-endian number
// whose high 4 bytes are zero and low 4 bytes are VALUE (as.info, ".fill").
func (a *assembler) dirFill(name, rest string) {
	args := splitOperands(rest)
	if len(args) == 0 || len(args) > 3 {
		a.errorf(".fill: want REPEAT[, SIZE[, VALUE]]")
		return
	}
	vals := []int64{0, 1, 0}
	for i, arg := range args {
		v, ok := a.mustConstant(arg)
		if !ok {
			return
		}
		vals[i] = v
	}
	repeat, size := vals[0], vals[1]
	if size > 8 {
		size = 8
	}
	if repeat < 0 || size < 0 || repeat*size > 64<<20 {
		a.errorf(".fill: %d pieces of %d bytes out of range", repeat, size)
		return
	}
	piece := appendLE(nil, uint64(uint32(vals[2])), 8)[:size]
	out := make([]byte, 0, repeat*size)
	for i := int64(0); i < repeat; i++ {
		out = append(out, piece...)
	}
	a.add(&item{kind: itemBytes, bytes: out, size: uint64(len(out))})
}

// dirLEB128 is .uleb128 and .sleb128 of constants (DWARF 5 §7.6).
func (a *assembler) dirLEB128(name, rest string) {
	var out []byte
	for _, arg := range splitOperands(rest) {
		v, ok := a.mustConstant(arg)
		if !ok {
			return
		}
		for {
			b := byte(v & 0x7f)
			if name == ".uleb128" {
				v = int64(uint64(v) >> 7)
				if v != 0 {
					b |= 0x80
				}
				out = append(out, b)
				if v == 0 {
					break
				}
				continue
			}
			v >>= 7
			done := v == 0 && b&0x40 == 0 || v == -1 && b&0x40 != 0
			if !done {
				b |= 0x80
			}
			out = append(out, b)
			if done {
				break
			}
		}
	}
	a.add(&item{kind: itemBytes, bytes: out, size: uint64(len(out))})
}
