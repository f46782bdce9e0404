package disasm

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Line is one line of objdump -d output: an instruction, a datum, or a
// run of zero bytes that objdump elides as "...".
type Line struct {
	Addr  uint64
	Bytes []byte // in memory order
	Text  string // instruction text, e.g. "addi\ta0,a0,1"; "..." for a skipped run
	OK    bool   // the bytes are an rv64pg instruction (spec.Decode)
	Skip  bool   // a run of zero bytes, printed as "\t..." with no address
	chunk int    // bytes per hex group in the raw column (objdump bytes_per_chunk)
	raw   bool   // bytes of an STT_OBJECT symbol, dumped without decoding
	// perLine is objdump's octets_per_line for this line: 8, 6 for .byte
	// data, 16 for raw object bytes.
	perLine int
	// octets is how many bytes objdump believes the line covers when that
	// is not len(Bytes): only for a memory error, where it is EIO.
	octets int
}

// eio is the errno value objdump's disassembler returns as a length when a
// read runs past the end of the block (binutils dis-buf.c).
const eio = 5

// MappingSymbol is a RISC-V ELF mapping symbol: $x starts code, $d data
// (RISC-V ELF psABI, "Mapping Symbol"). Data is printed as .byte, .short,
// .word or .dword, as objdump does.
type MappingSymbol struct {
	Addr uint64
	Data bool
	// ISA is the arch string of a "$xrv64…" symbol (without "$x"), which
	// changes the ISA objdump decodes from here on; "" for $x and $d.
	ISA string
}

// objdump's disassemble_bytes elides runs of zeros: SKIP_ZEROES octets or
// more anywhere, or fewer than SKIP_ZEROES_AT_END at the end of a block
// (binutils objdump.c).
const (
	skipZeroes      = 8
	skipZeroesAtEnd = 3
	bytesPerLine    = 8
)

// Block disassembles code, which starts at addr, as objdump disassembles the
// bytes from one symbol to the next. maps are the section's mapping
// symbols sorted by address (nil: all code), and sectionEnd is the address
// just past the section, which bounds a datum when no mapping symbol
// follows. The Decoder's lui/auipc state carries over from block to block,
// as objdump's does.
func (d *Decoder) Block(code []byte, addr uint64, maps []MappingSymbol, sectionEnd uint64) []Line {
	return d.block(code, addr, &simpleMapper{d: d, maps: maps, sectionEnd: sectionEnd})
}

// mapper answers what objdump's mapping-symbol search answers at pc:
// whether pc is data, and a datum's length. Both may change the decoder's
// ISA, as riscv_update_map_state does when it meets a $xrv symbol.
type mapper interface {
	isData(pc uint64) bool
	dataLength(pc uint64) int
}

// simpleMapper is Block's mapper: the last mapping symbol at or before pc
// decides, and the last $xrv symbol at or before pc gives the ISA.
type simpleMapper struct {
	d          *Decoder
	maps       []MappingSymbol
	sectionEnd uint64
}

func (m *simpleMapper) isData(pc uint64) bool {
	isData, _ := mappingAt(m.maps, pc)
	if isa := isaAt(m.maps, pc); isa != "" && isa != m.d.isaName {
		m.d.SetISA(isa)
		m.d.isaName = isa
	}
	return isData
}

func (m *simpleMapper) dataLength(pc uint64) int {
	_, next := mappingAt(m.maps, pc)
	return dataLength(pc, next, m.sectionEnd)
}

func (d *Decoder) block(code []byte, addr uint64, m mapper) []Line {
	var lines []Line
	stop := len(code)
	for off := 0; off < stop; {
		z := off
		for z < stop && code[z] == 0 {
			z++
		}
		if run := z - off; run >= skipZeroes || (z == stop && run > 0 && run < skipZeroesAtEnd) {
			if z != stop {
				run &^= 3 // skip in multiples of 4 when more follows
			}
			lines = append(lines, Line{Addr: addr + uint64(off), Bytes: code[off : off+run], Text: "...", Skip: true})
			off += run
			continue
		}
		pc := addr + uint64(off)
		if m.isData(pc) {
			n := m.dataLength(pc)
			if n == 3 {
				n = 2
			}
			if off+n > stop {
				// The datum runs past the block: objdump's read fails
				// (see below), with the datum's size as the chunk.
				lines = append(lines, d.boundsError(pc, code[off:stop], n))
				break
			}
			l := dataLine(pc, code[off:off+n])
			d.perLine = l.perLine
			lines = append(lines, l)
			off += n
			continue
		}
		first := uint16(code[off])
		if off+1 < stop {
			first |= uint16(code[off+1]) << 8
		}
		n := insnLength(first)
		if off+n > stop {
			// The instruction runs past the block: objdump's read fails,
			// dis-buf.c prints a memory error (with its own newline), the
			// EIO status is taken as the length, and the block ends.
			lines = append(lines, d.boundsError(pc, code[off:stop], 1))
			break
		}
		b := code[off : off+n]
		var line Line
		switch n {
		case 2:
			w := uint32(binary.LittleEndian.Uint16(b))
			if w&3 == 3 {
				// A reserved length prefix (bits 6:0 = 1111111 with
				// bits 14:12 = 111) that riscv_insn_length calls 2 bytes.
				line = Line{Addr: pc, Bytes: b, Text: fmt.Sprintf(".2byte\t0x%x", w), chunk: 2}
				break
			}
			text, ok := d.Decode(w, pc)
			line = Line{Addr: pc, Bytes: b, Text: text, OK: ok, chunk: 2}
		case 4:
			w := binary.LittleEndian.Uint32(b)
			text, ok := d.Decode(w, pc)
			line = Line{Addr: pc, Bytes: b, Text: text, OK: ok, chunk: 4}
		default:
			// 48-bit and longer encodings: rv64pg has none.
			line = Line{Addr: pc, Bytes: b, Text: longText(b), chunk: 2}
			if n%4 == 0 {
				line.chunk = 4
			}
		}
		line.perLine = bytesPerLine
		d.perLine = bytesPerLine
		lines = append(lines, line)
		off += n
	}
	return lines
}

// boundsError is objdump's line for a read past the end of a block. chunk
// is the bytes_per_chunk in force (1 for an instruction, whose disassembler
// never set it; the datum's size for data); the line width is the one the
// last successful line set (objdump keeps bytes_per_line).
func (d *Decoder) boundsError(pc uint64, b []byte, chunk int) Line {
	per := d.perLine
	if per == 0 {
		per = bytesPerLine
	}
	return Line{Addr: pc, Bytes: b, chunk: chunk, octets: eio, perLine: per,
		Text: fmt.Sprintf("Address 0x%x is out of bounds.\n", pc)}
}

// insnLength is the length of the instruction whose first halfword is h
// (Unpriv. spec §1.5, as binutils riscv_insn_length implements it).
func insnLength(h uint16) int {
	switch {
	case h&3 != 3:
		return 2
	case h&0x1f != 0x1f:
		return 4
	case h&0x3f == 0x1f:
		return 6
	case h&0x7f == 0x3f:
		return 8
	case h&0x7f == 0x7f && h&0x7000 != 0x7000:
		return 10 + int(h>>11&0xe)
	}
	return 2
}

// longText prints an unknown instruction longer than 32 bits as objdump
// 2.40 does.
func longText(b []byte) string {
	if len(b) == 8 {
		return fmt.Sprintf(".8byte\t0x%x", binary.LittleEndian.Uint64(b))
	}
	return bytesText(b)
}

func bytesText(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("0x%02x", c)
	}
	return ".byte\t" + strings.Join(parts, ", ")
}

// isaAt returns the ISA of the last $xrv mapping symbol at or before pc, or
// "" if there is none: objdump then keeps the ISA it had.
func isaAt(maps []MappingSymbol, pc uint64) string {
	isa := ""
	for _, m := range maps {
		if m.Addr > pc {
			break
		}
		if m.ISA != "" {
			isa = m.ISA
		}
	}
	return isa
}

// mappingAt returns whether pc is in a data region, and the address of
// the next mapping symbol after pc (0 if none).
func mappingAt(maps []MappingSymbol, pc uint64) (isData bool, next uint64) {
	for _, m := range maps {
		if m.Addr <= pc {
			isData = m.Data
		} else {
			return isData, m.Addr
		}
	}
	return isData, 0
}

// dataLength mirrors riscv_data_length: a word, cut at the next mapping
// symbol or the section end.
func dataLength(pc, next, sectionEnd uint64) int {
	n := uint64(4)
	if next != 0 {
		n = min(n, next-pc)
	} else {
		n = min(n, sectionEnd-pc)
	}
	return int(n)
}

// dataLine prints a datum as riscv_disassemble_data does.
func dataLine(pc uint64, b []byte) Line {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	var text string
	switch len(b) {
	case 1:
		text = fmt.Sprintf(".byte\t0x%02x", v)
	case 2:
		text = fmt.Sprintf(".short\t0x%04x", v)
	case 4:
		text = fmt.Sprintf(".word\t0x%08x", v)
	default:
		text = fmt.Sprintf(".dword\t0x%016x", v)
	}
	per := bytesPerLine
	if len(b) == 1 {
		per = 6 // riscv_disassemble_data sets bytes_per_line 6 for .byte
	}
	return Line{Addr: pc, Bytes: b, Text: text, chunk: len(b), perLine: per}
}

// AddrDigits returns how many hex digits objdump prints for the addresses
// of a section that ends at end: the 16 digits of a 64-bit address less
// the leading zeros of end, rounded so that at least one zero remains and
// whole groups of four are dropped (objdump.c disassemble_section).
func AddrDigits(start, end uint64) int {
	s := fmt.Sprintf("%016x", end)
	skip := 0
	for skip < len(s) && s[skip] == '0' {
		skip++
	}
	if skip == len(s) && start != 0 {
		skip = 0
	}
	if skip != 0 {
		skip = (skip - 1) &^ 3
	}
	return 16 - skip
}

// addrText prints an address in digits hex digits, leading zeros as spaces.
func addrText(addr uint64, digits int) string {
	a := fmt.Sprintf("%0*x", digits, addr)
	a = a[len(a)-digits:]
	i := 0
	for i < len(a)-1 && a[i] == '0' {
		i++
	}
	return strings.Repeat(" ", i) + a[i:]
}

// Format prints the line as objdump -d does, with the address in digits
// hex digits (see AddrDigits), leading zeros shown as spaces.
func (l Line) Format(digits int) string {
	if l.Skip {
		return "\t..."
	}
	var b strings.Builder
	b.WriteString(addrText(l.Addr, digits))
	b.WriteString(":\t")
	chunk := l.chunk
	if chunk == 0 {
		chunk = len(l.Bytes)
	}
	perLine := l.perLine
	if perLine == 0 {
		perLine = bytesPerLine
	}
	n := len(l.Bytes)
	if l.octets != 0 {
		n = l.octets
	}
	pb := min(n, perLine)
	for j := 0; j < pb; j += chunk {
		if j+chunk <= len(l.Bytes) {
			for k := chunk - 1; k >= 0; k-- {
				fmt.Fprintf(&b, "%02x", l.Bytes[j+k])
			}
		}
		b.WriteByte(' ')
	}
	for ; pb < perLine; pb += chunk {
		b.WriteString(strings.Repeat("  ", chunk))
		b.WriteByte(' ')
	}
	if l.raw {
		b.WriteString("    ")
	} else {
		b.WriteByte('\t')
	}
	b.WriteString(l.Text)
	// Bytes beyond the first line (an 80-bit or longer encoding) go on
	// continuation lines: address and raw bytes only.
	for j := pb; j < len(l.Bytes) && !l.raw; {
		b.WriteByte('\n')
		b.WriteString(addrText(l.Addr+uint64(j), digits))
		b.WriteString(":\t")
		for end := min(j+perLine, len(l.Bytes)); j < end; j += chunk {
			for k := min(chunk, len(l.Bytes)-j) - 1; k >= 0; k-- {
				fmt.Fprintf(&b, "%02x", l.Bytes[j+k])
			}
			b.WriteByte(' ')
		}
	}
	return b.String()
}
