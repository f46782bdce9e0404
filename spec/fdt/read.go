package fdt

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxDepth bounds node nesting so a hostile DTB cannot exhaust the stack;
// real trees are a handful of levels deep.
const maxDepth = 64

// Parse reads a DTB (Devicetree Specification v0.4, chapter 5) into a
// Tree. It checks the header and every token, and names the offset of the
// first thing that is wrong.
func Parse(dtb []byte) (*Tree, error) {
	if len(dtb) < headerSize {
		return nil, fmt.Errorf("dtb: truncated at offset %#x: the header needs %d bytes", len(dtb), headerSize)
	}
	var h fdtHeader
	_ = binary.Read(bytes.NewReader(dtb[:headerSize]), binary.BigEndian, &h) // cannot fail: length checked
	if h.Magic != Magic {
		return nil, fmt.Errorf("dtb: offset 0x0: magic %#x, want %#x", h.Magic, uint32(Magic))
	}
	if h.LastCompVersion > Version || h.Version < LastCompVersion {
		return nil, fmt.Errorf("dtb: offset 0x14: version %d (last compatible %d): this reader speaks %d",
			h.Version, h.LastCompVersion, Version)
	}
	if uint64(h.TotalSize) > uint64(len(dtb)) || h.TotalSize < headerSize {
		return nil, fmt.Errorf("dtb: offset 0x4: totalsize %#x, but the blob has %#x bytes", h.TotalSize, len(dtb))
	}
	dtb = dtb[:h.TotalSize]
	within := func(field string, fieldOff int, off, size uint32) error {
		if uint64(off)+uint64(size) > uint64(h.TotalSize) {
			return fmt.Errorf("dtb: offset %#x: %s [%#x, +%#x) runs past totalsize %#x", fieldOff, field, off, size, h.TotalSize)
		}
		return nil
	}
	if err := within("structure block", 0x8, h.OffDtStruct, h.SizeDtStruct); err != nil {
		return nil, err
	}
	if err := within("strings block", 0xc, h.OffDtStrings, h.SizeDtStrings); err != nil {
		return nil, err
	}
	t := &Tree{BootCPUIDPhys: h.BootCpuidPhys}

	// Memory reservation block (§5.3): pairs up to a {0, 0} terminator.
	for off := uint64(h.OffMemRsvmap); ; off += 16 {
		if off+16 > uint64(h.TotalSize) {
			return nil, fmt.Errorf("dtb: truncated at offset %#x: memory reservation block has no {0, 0} terminator", off)
		}
		e := ReserveEntry{binary.BigEndian.Uint64(dtb[off:]), binary.BigEndian.Uint64(dtb[off+8:])}
		if e == (ReserveEntry{}) {
			break
		}
		t.Reserved = append(t.Reserved, e)
	}

	r := &structReader{
		buf:     dtb[h.OffDtStruct : h.OffDtStruct+h.SizeDtStruct],
		base:    h.OffDtStruct,
		strings: dtb[h.OffDtStrings : h.OffDtStrings+h.SizeDtStrings],
	}
	tok, err := r.token()
	if err != nil {
		return nil, err
	}
	if tok != tokenBeginNode {
		return nil, fmt.Errorf("dtb: offset %#x: token %#x, want FDT_BEGIN_NODE for the root", r.base, tok)
	}
	if t.Root, err = r.node(0); err != nil {
		return nil, err
	}
	if t.Root.Name != "" {
		return nil, fmt.Errorf("dtb: offset %#x: root node named %q, want the empty name", r.base+4, t.Root.Name)
	}
	if tok, err = r.token(); err != nil {
		return nil, err
	}
	if tok != tokenEnd {
		return nil, fmt.Errorf("dtb: offset %#x: token %#x after the root node, want FDT_END", r.base+uint32(r.pos)-4, tok)
	}
	return t, nil
}

// structReader walks the structure block (§5.4).
type structReader struct {
	buf     []byte
	pos     int    // next byte in buf
	base    uint32 // buf's offset in the blob, for messages
	strings []byte
}

func (r *structReader) off() uint32 { return r.base + uint32(r.pos) }

func (r *structReader) u32(what string) (uint32, error) {
	if r.pos+4 > len(r.buf) {
		return 0, fmt.Errorf("dtb: truncated at offset %#x: structure block ends inside %s", r.off(), what)
	}
	v := binary.BigEndian.Uint32(r.buf[r.pos:])
	r.pos += 4
	return v, nil
}

// token returns the next token, skipping FDT_NOP.
func (r *structReader) token() (uint32, error) {
	for {
		t, err := r.u32("a token")
		if err != nil || t != tokenNop {
			return t, err
		}
	}
}

func (r *structReader) align() { r.pos = (r.pos + 3) &^ 3 }

// node reads one node after its FDT_BEGIN_NODE token.
func (r *structReader) node(depth int) (*Node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("dtb: offset %#x: nodes nested deeper than %d", r.off(), maxDepth)
	}
	start := r.off()
	nul := bytes.IndexByte(r.buf[r.pos:], 0)
	if nul < 0 {
		return nil, fmt.Errorf("dtb: offset %#x: node name has no NUL terminator", start)
	}
	n := &Node{Name: string(r.buf[r.pos : r.pos+nul])}
	r.pos += nul + 1
	r.align()
	for {
		tokOff := r.off()
		tok, err := r.token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case tokenProp:
			if len(n.Children) > 0 {
				return nil, fmt.Errorf("dtb: offset %#x: node %q: property after a subnode", tokOff, n.Name)
			}
			length, err := r.u32("a property length")
			if err != nil {
				return nil, err
			}
			nameOff, err := r.u32("a property name offset")
			if err != nil {
				return nil, err
			}
			if uint64(r.pos)+uint64(length) > uint64(len(r.buf)) {
				return nil, fmt.Errorf("dtb: offset %#x: property len %#x runs past the structure block", tokOff+4, length)
			}
			if uint64(nameOff) >= uint64(len(r.strings)) {
				return nil, fmt.Errorf("dtb: offset %#x: property nameoff %#x outside the %#x-byte strings block", tokOff+8, nameOff, len(r.strings))
			}
			end := bytes.IndexByte(r.strings[nameOff:], 0)
			if end < 0 {
				return nil, fmt.Errorf("dtb: offset %#x: property nameoff %#x: name has no NUL terminator", tokOff+8, nameOff)
			}
			name := string(r.strings[nameOff : nameOff+uint32(end)])
			if n.Prop(name) != nil {
				return nil, fmt.Errorf("dtb: offset %#x: node %q: property %q twice", tokOff, n.Name, name)
			}
			var value []byte // nil for an empty property, as the builder writes it
			if length > 0 {
				value = bytes.Clone(r.buf[r.pos : r.pos+int(length)])
			}
			n.Props = append(n.Props, Prop{Name: name, Value: value})
			r.pos += int(length)
			r.align()
		case tokenBeginNode:
			c, err := r.node(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, c)
		case tokenEndNode:
			return n, nil
		default:
			return nil, fmt.Errorf("dtb: offset %#x: token %#x inside node %q, want FDT_PROP, FDT_BEGIN_NODE or FDT_END_NODE", tokOff, tok, n.Name)
		}
	}
}
