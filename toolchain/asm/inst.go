package asm

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// compressPolicy says which compressed forms an instruction may take.
type compressPolicy struct {
	none  bool     // never compress
	only  []string // if non-nil, only these C rows
	jumps bool     // a branch to a label may start relaxation from its C form
}

func (p compressPolicy) allows(c *spec.Inst) bool {
	if p.none {
		return false
	}
	if p.only == nil {
		return true
	}
	for _, n := range p.only {
		if n == c.Name {
			return true
		}
	}
	return false
}

// realPolicy is what GNU as does for a 32-bit mnemonic written as such:
// try every compressed alias, except that jal and jalr have none in
// GNU's opcode table on RV64 (only the pseudo-instructions j, jr, jalr
// rs and ret do).
func realPolicy(name string) compressPolicy {
	if name == "jal" || name == "jalr" {
		return compressPolicy{none: true}
	}
	if name == "beq" || name == "bne" {
		return compressPolicy{jumps: true}
	}
	return compressPolicy{}
}

// pseudoForm is one operand-count form of a pseudo-instruction: its
// expansion, with $0, $1, ... for the written operands, and the
// compressed forms GNU's opcode table gives that alias (riscv-opc.c
// INSN_ALIAS rows); none means the 32-bit form is final.
type pseudoForm struct {
	n      int
	expand string
	cforms []string
}

// pseudos are the pseudo-instructions of the RISC-V Assembly Programmer's
// Manual (riscv-asm-manual, "Pseudoinstructions") as GNU as expands them.
// li, la, lla, call and tail are in code below.
var pseudos = map[string][]pseudoForm{
	"nop":        {{0, "addi x0, x0, 0", []string{"c.nop"}}},
	"mv":         {{2, "addi $0, $1, 0", []string{"c.mv"}}},
	"not":        {{2, "xori $0, $1, -1", nil}},
	"neg":        {{2, "sub $0, x0, $1", nil}},
	"negw":       {{2, "subw $0, x0, $1", nil}},
	"sext.w":     {{2, "addiw $0, $1, 0", []string{"c.addiw"}}},
	"seqz":       {{2, "sltiu $0, $1, 1", nil}},
	"snez":       {{2, "sltu $0, x0, $1", nil}},
	"sltz":       {{2, "slt $0, $1, x0", nil}},
	"sgtz":       {{2, "slt $0, x0, $1", nil}},
	"beqz":       {{2, "beq $0, x0, $1", []string{"c.beqz"}}},
	"bnez":       {{2, "bne $0, x0, $1", []string{"c.bnez"}}},
	"blez":       {{2, "bge x0, $0, $1", nil}},
	"bgez":       {{2, "bge $0, x0, $1", nil}},
	"bltz":       {{2, "blt $0, x0, $1", nil}},
	"bgtz":       {{2, "blt x0, $0, $1", nil}},
	"bgt":        {{3, "blt $1, $0, $2", nil}},
	"ble":        {{3, "bge $1, $0, $2", nil}},
	"bgtu":       {{3, "bltu $1, $0, $2", nil}},
	"bleu":       {{3, "bgeu $1, $0, $2", nil}},
	"j":          {{1, "jal x0, $0", []string{"c.j"}}},
	"jal":        {{1, "jal x1, $0", nil}},
	"jr":         {{1, "jalr x0, 0($0)", []string{"c.jr"}}},
	"jalr":       {{1, "jalr x1, 0($0)", []string{"c.jalr"}}},
	"ret":        {{0, "jalr x0, 0(x1)", []string{"c.jr"}}},
	"csrr":       {{2, "csrrs $0, $1, x0", nil}},
	"csrw":       {{2, "csrrw x0, $0, $1", nil}},
	"csrs":       {{2, "csrrs x0, $0, $1", nil}},
	"csrc":       {{2, "csrrc x0, $0, $1", nil}},
	"csrwi":      {{2, "csrrwi x0, $0, $1", nil}},
	"csrsi":      {{2, "csrrsi x0, $0, $1", nil}},
	"csrci":      {{2, "csrrci x0, $0, $1", nil}},
	"rdcycle":    {{1, "csrrs $0, cycle, x0", nil}},
	"rdtime":     {{1, "csrrs $0, time, x0", nil}},
	"rdinstret":  {{1, "csrrs $0, instret, x0", nil}},
	"fence":      {{0, "fence iorw, iorw", nil}},
	"sfence.vma": {{0, "sfence.vma x0, x0", nil}, {1, "sfence.vma $0, x0", nil}},
}

// macros are the pseudo-instructions that need code.
var macros map[string]func(a *assembler, args []string) bool

func init() {
	macros = map[string]func(a *assembler, args []string) bool{
		"li":   (*assembler).li,
		"la":   func(a *assembler, args []string) bool { return a.pcrelPair("la", args) },
		"lla":  func(a *assembler, args []string) bool { return a.pcrelPair("lla", args) },
		"call": func(a *assembler, args []string) bool { return a.callTail("call", args) },
		"tail": func(a *assembler, args []string) bool { return a.callTail("tail", args) },
		"jump": func(a *assembler, args []string) bool { return a.callTail("jump", args) },
		"jalr": (*assembler).jalrForms,
		"jr":   (*assembler).jalrForms,
	}
	for _, l := range []string{"lb", "lh", "lw", "ld", "lbu", "lhu", "lwu"} {
		macros[l] = func(a *assembler, args []string) bool { return a.symbolAccess(l, args, false) }
	}
	for _, s := range []string{"sb", "sh", "sw", "sd"} {
		macros[s] = func(a *assembler, args []string) bool { return a.symbolAccess(s, args, true) }
	}
}

// jalrForms are GNU's further jalr/jr forms: "jalr rd, rs", "jalr rs,
// imm", "jalr rd, rs, imm" and "jr rs, imm" (riscv-opc.c), all without a
// compressed alias. The one-operand forms are in pseudos.
func (a *assembler) jalrForms(args []string) bool {
	none := compressPolicy{none: true}
	a.shown = a.macro
	defer func() { a.shown = "" }()
	switch {
	case len(args) == 3 && a.macro == "jalr":
		a.real("jalr", []string{args[0], args[2] + "(" + args[1] + ")"}, none)
	case len(args) != 2:
		return false
	case strings.HasSuffix(args[1], ")"):
		return false // jalr rd, imm(rs): the machine form
	case a.macro == "jr":
		a.real("jalr", []string{"x0", args[1] + "(" + args[0] + ")"}, none)
	default:
		if _, err := parseReg(args[1]); err == nil {
			a.real("jalr", []string{args[0], "0(" + args[1] + ")"}, none)
		} else {
			a.real("jalr", []string{"x1", args[1] + "(" + args[0] + ")"}, none)
		}
	}
	return true
}

// symbolAccess is GNU's "lw rd, symbol" and "sw rs, symbol, rt": an
// auipc of the symbol's %pcrel_hi into rd (rt for a store) and the
// access at %pcrel_lo.
func (a *assembler) symbolAccess(mn string, args []string, store bool) bool {
	want := 2
	if store {
		want = 3
	}
	if len(args) != want || strings.HasSuffix(args[1], ")") {
		return false
	}
	tmp := args[0]
	if store {
		tmp = args[2]
	}
	none := compressPolicy{none: true}
	l := a.hiddenLabel()
	a.real("auipc", []string{tmp, "%pcrel_hi(" + args[1] + ")"}, none)
	a.real(mn, []string{args[0], "%pcrel_lo(" + l + ")(" + tmp + ")"}, none)
	return true
}

func (a *assembler) instruction(mn, rest string) {
	args := splitOperands(rest)
	a.macro = mn
	if m, ok := macros[mn]; ok && m(a, args) {
		return
	}
	for _, f := range pseudos[mn] {
		if f.n != len(args) {
			continue
		}
		text := f.expand
		for i := len(args) - 1; i >= 0; i-- {
			text = strings.ReplaceAll(text, fmt.Sprintf("$%d", i), args[i])
		}
		sp := strings.IndexByte(text, ' ')
		pol := compressPolicy{none: f.cforms == nil, only: f.cforms}
		for _, c := range f.cforms {
			if c == "c.j" || c == "c.beqz" || c == "c.bnez" {
				pol.jumps = true
			}
		}
		a.shown = mn
		a.real(text[:sp], splitOperands(text[sp+1:]), pol)
		a.shown = ""
		return
	}
	if forms := pseudos[mn]; forms != nil && spec.Lookup(mn) == nil {
		var counts []string
		for _, f := range forms {
			counts = append(counts, fmt.Sprint(f.n))
		}
		a.errorf("%s: want %s operands, have %d", mn, strings.Join(counts, " or "), len(args))
		return
	}
	a.real(mn, args, compressPolicy{})
}

// amoSuffixes are the ordering suffixes of A instructions (Unprivileged
// spec §8.2), as aq and rl bits.
var amoSuffixes = []struct {
	suffix string
	aq, rl int64
}{{".aqrl", 1, 1}, {".aq", 1, 0}, {".rl", 0, 1}}

// csrImmForm maps a register CSR instruction to its immediate form, which
// GNU as picks when the source operand is not a register.
var csrImmForm = map[string]string{"csrrw": "csrrwi", "csrrs": "csrrsi", "csrrc": "csrrci"}

// real assembles one machine instruction (after pseudo expansion).
func (a *assembler) real(mn string, args []string, pol compressPolicy) {
	row := spec.Lookup(mn)
	shown := mn // the mnemonic as written, for messages
	if a.shown != "" {
		shown = a.shown
	}
	var aq, rl int64
	if row == nil {
		for _, s := range amoSuffixes {
			if base := strings.TrimSuffix(mn, s.suffix); base != mn {
				if r := spec.Lookup(base); r != nil && hasArg(r, spec.ArgAq) {
					row, aq, rl = r, s.aq, s.rl
				}
				break
			}
		}
	}
	if row == nil {
		a.errorf("unknown instruction %q", mn)
		return
	}
	if row.Ext == spec.ExtC && !a.rvc {
		// GNU as: .option norvc removes the C extension, and with it
		// the c.* mnemonics.
		a.errorf("%s: compressed instruction under .option norvc", mn)
		return
	}
	a.encodeRow(row, shown, args, pol, aq, rl)
}

// encodeRow assembles row with the written operands args.
func (a *assembler) encodeRow(row *spec.Inst, shown string, args []string, pol compressPolicy, aq, rl int64) {
	if imm, ok := csrImmForm[row.Name]; ok && len(args) == 3 {
		if _, err := parseReg(args[2]); err != nil {
			row = spec.Lookup(imm)
		}
	}
	if pol.only == nil && !pol.none && !pol.jumps {
		pol = realPolicy(row.Name) // written as a machine instruction
	}
	elems := template(row)
	if len(args) == 0 && len(elems) == 1 && !elems[0].mem && elems[0].fixed == "" &&
		spec.ArgSpecs[row.Args[elems[0].arg]].Kind == spec.KindSImm {
		args = []string{"0"} // "c.nop" alone: the immediate defaults to 0
	}
	if len(args) != len(elems) {
		a.errorf("%s: want %d operands (%s), have %d", shown, len(elems), row.Syntax, len(args))
		return
	}
	ops := make([]operand, len(row.Args))
	constant := true
	for i, e := range elems {
		text := args[i]
		switch {
		case e.mem:
			off, base, ok := splitMem(text)
			if !ok {
				a.errorf("%s: operand %d: want offset(register), have %q", shown, i+1, text)
				return
			}
			r, err := parseReg(base)
			if err != nil {
				a.errorf("%s: %v", shown, err)
				return
			}
			if e.fixed == "sp" {
				if r != 2 {
					a.errorf("%s: base register must be sp", shown)
					return
				}
			} else {
				ops[e.baseArg].val = r
			}
			if e.arg < 0 {
				// AMO and LR/SC take "(rs1)"; GNU also accepts "0(rs1)".
				if off != "" {
					if v, ok := a.mustConstant(off); ok && v != 0 {
						a.errorf("%s: offset must be 0", shown)
					}
				}
				continue
			}
			if off == "" {
				off = "0"
			}
			text = off
		case e.fixed == "sp":
			if r, err := parseReg(text); err != nil || r != 2 {
				a.errorf("%s: operand %d must be sp", shown, i+1)
				return
			}
			continue
		}
		op, ok, err := a.operand(row.Args[e.arg], text)
		if err != nil {
			a.errorf("%s: %v", shown, err)
			return
		}
		constant = constant && ok
		ops[e.arg] = op
		if hasReloc(op.x) {
			// GNU as: an operand with %hi/%lo/%pcrel_* carries a
			// relocation, which only the 32-bit form takes.
			pol = compressPolicy{none: true}
		}
	}
	for i, arg := range row.Args {
		switch arg {
		case spec.ArgAq:
			ops[i].val = aq
		case spec.ArgRl:
			ops[i].val = rl
		}
	}
	if isBranch(row) && row.Name != insnName {
		a.branch(row, ops, pol)
		return
	}
	if !constant {
		a.add(&item{kind: itemInsn, row: row, ops: ops, size: uint64(row.Len())})
		return
	}
	vals := make([]int64, len(ops))
	for i, op := range ops {
		v, err := operandValue(row.Args[i], op.val, 0)
		if err != nil {
			a.errorf("%s: %v", shown, err)
			return
		}
		vals[i] = v
	}
	if a.rvc && row.Ext != spec.ExtC && !pol.none {
		if w, c, ok := compressWith(row, vals, pol); ok {
			a.add(&item{kind: itemInsn, row: c, bytes: appendLE(nil, uint64(w), 2), size: 2})
			return
		}
	}
	w, err := encodeArgs(row, vals)
	if err != nil {
		a.errorf("%s: %v", shown, err)
		return
	}
	a.add(&item{kind: itemInsn, row: row, bytes: appendLE(nil, uint64(w), row.Len()), size: uint64(row.Len())})
}

func compressWith(row *spec.Inst, vals []int64, pol compressPolicy) (uint32, *spec.Inst, bool) {
	w, c, ok := compress(row, vals)
	if !ok || !pol.allows(c) {
		return 0, nil, false
	}
	return w, c, true
}

func hasArg(row *spec.Inst, arg spec.Arg) bool {
	for _, a := range row.Args {
		if a == arg {
			return true
		}
	}
	return false
}

func isBranch(row *spec.Inst) bool {
	for _, arg := range row.Args {
		if argClasses[arg] == classTarget {
			return true
		}
	}
	return false
}

// operand parses the text of one operand for arg.
func (a *assembler) operand(arg spec.Arg, text string) (operand, bool, error) {
	switch spec.ArgSpecs[arg].Kind {
	case spec.KindReg:
		r, err := parseReg(text)
		return operand{val: r}, true, err
	case spec.KindFence:
		v, err := parseFence(text)
		return operand{val: v}, true, err
	case spec.KindCSR:
		name := strings.TrimSpace(text)
		if c := spec.CSRByName(name); c != nil {
			return operand{val: int64(c.Addr)}, true, nil
		}
		if sym, ok := a.syms[name]; name != "" && isIdentStart(name[0]) && (!ok || sym.equ == nil) {
			return operand{}, false, fmt.Errorf("unknown CSR %q", name)
		}
	}
	x, err := a.parseExpr(text)
	if err != nil {
		return operand{}, false, err
	}
	if argClasses[arg] == classTarget {
		return operand{x: x}, false, nil
	}
	v, ok, err := a.constant(x)
	if err != nil {
		return operand{}, false, err
	}
	if ok && !hasReloc(x) {
		return operand{val: v}, true, nil
	}
	if !hasReloc(x) {
		// GNU as: an immediate must be known where it is written, or
		// carry a relocation operator (%lo, %hi, %pcrel_*).
		return operand{}, false, fmt.Errorf("immediate %q is not a constant here (a label needs %%lo/%%hi/%%pcrel_*, a symbol its .equ before this line)", strings.TrimSpace(text))
	}
	return operand{x: x}, false, nil
}

// hasReloc reports whether x uses %hi, %lo, %pcrel_hi or %pcrel_lo.
func hasReloc(x expr) bool {
	switch x := x.(type) {
	case relocExpr:
		return true
	case unExpr:
		return hasReloc(x.x)
	case binExpr:
		return hasReloc(x.x) || hasReloc(x.y)
	}
	return false
}

// branch adds a branch or jump whose target is an expression. GNU as
// relaxes these (tc-riscv.c relaxed_branch_length): it starts from the
// compressed form when the instruction as written has one, and the final
// length depends on the distance to the target.
func (a *assembler) branch(row *spec.Inst, ops []operand, pol compressPolicy) {
	var rvc *spec.Inst
	target := ops[len(ops)-1].x
	if row.Ext == spec.ExtC {
		// An explicit c.beqz/c.bnez/c.j relaxes like beqz/bnez/j.
		rvc = row
		vals := make([]int64, len(ops))
		for i, op := range ops {
			vals[i] = op.val
		}
		full, fv := expansion(row, vals)
		row = full
		ops = make([]operand, len(fv))
		for i, v := range fv {
			ops[i].val = v
		}
	} else if a.rvc && pol.jumps {
		vals := make([]int64, len(ops))
		for i, op := range ops {
			vals[i] = op.val
		}
		if _, c, ok := compressWith(row, vals, pol); ok {
			rvc = c
		}
	}
	ops[len(ops)-1] = operand{}
	a.add(&item{kind: itemBranch, row: row, ops: ops, rvc: rvc, target: target})
}

// li builds a constant the way binutils does: the C alias c.li for a
// 6-bit value, addi for a 12-bit one (both final, never compressed
// further), else tc-riscv.c load_const's lui/addiw/slli/addi sequence,
// each of which is then compressed where it can be.
func (a *assembler) li(args []string) bool {
	if len(args) != 2 {
		return false
	}
	rd, err := parseReg(args[0])
	if err != nil {
		a.errorf("li: %v", err)
		return true
	}
	v, ok := a.mustConstant(args[1])
	if !ok {
		return true
	}
	switch {
	case v >= -32 && v < 32 && rd != 0 && a.rvc:
		a.real("c.li", []string{args[0], itoa(v)}, compressPolicy{})
	case v >= -2048 && v < 2048:
		a.real("addi", []string{args[0], "x0", itoa(v)}, compressPolicy{none: true})
	default:
		a.loadConst(rd, v)
	}
	return true
}

// loadConst is binutils tc-riscv.c load_const for RV64.
func (a *assembler) loadConst(rd int64, v int64) {
	reg := fmt.Sprintf("x%d", rd)
	lower := lo12(v)
	upper := v - lower
	if v != int64(int32(v)) {
		shift := 12
		for (upper>>shift)&1 == 0 {
			shift++
		}
		a.loadConst(rd, upper>>shift)
		a.real("slli", []string{reg, reg, fmt.Sprint(shift)}, compressPolicy{})
		if lower != 0 {
			a.real("addi", []string{reg, reg, itoa(lower)}, compressPolicy{})
		}
		return
	}
	hiReg := "x0"
	if upper != 0 {
		a.real("lui", []string{reg, fmt.Sprintf("%#x", uint32(upper)>>12)}, compressPolicy{})
		hiReg = reg
	}
	if lower != 0 || hiReg == "x0" {
		a.real("addiw", []string{reg, hiReg, itoa(lower)}, compressPolicy{})
	}
}

// pcrelPair is la/lla: auipc + addi with %pcrel_hi/%pcrel_lo. Without
// PIC (GNU's default for riscv64-unknown-elf), la is lla.
func (a *assembler) pcrelPair(mn string, args []string) bool {
	if len(args) != 2 {
		a.errorf("%s: want 2 operands (rd,symbol), have %d", mn, len(args))
		return true
	}
	l := a.hiddenLabel()
	a.real("auipc", []string{args[0], "%pcrel_hi(" + args[1] + ")"}, compressPolicy{none: true})
	a.real("addi", []string{args[0], args[0], "%pcrel_lo(" + l + ")"}, compressPolicy{none: true})
	return true
}

// callTail is call (auipc ra + jalr ra) and tail (auipc t1 + jalr x0), as
// binutils 2.40 expands them; "call rd, sym" links through rd.
func (a *assembler) callTail(mn string, args []string) bool {
	link, tmp, sym := "x1", "x1", ""
	switch {
	case len(args) == 1 && mn == "call":
		sym = args[0]
	case len(args) == 2 && mn == "call":
		link, tmp, sym = args[0], args[0], args[1]
	case len(args) == 1 && mn == "tail":
		link, tmp, sym = "x0", "x6", args[0]
	case len(args) == 2 && mn == "jump":
		link, tmp, sym = "x0", args[1], args[0]
	default:
		a.errorf("%s: want a symbol operand", mn)
		return true
	}
	l := a.hiddenLabel()
	a.real("auipc", []string{tmp, "%pcrel_hi(" + sym + ")"}, compressPolicy{none: true})
	a.real("jalr", []string{link, "%pcrel_lo(" + l + ")(" + tmp + ")"}, compressPolicy{none: true})
	return true
}

func (a *assembler) hiddenLabel() string {
	a.hidden++
	name := fmt.Sprintf(".L.pcrel%d", a.hidden)
	a.defineLabel(name)
	return name
}
