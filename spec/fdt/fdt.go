// Package fdt generates the flattened device tree (DTB) that describes an
// rv64pg machine to its software, as QEMU 7.2's virt machine does
// (hw/riscv/virt.c, create_fdt), and reads DTBs back for tests and for
// `vcheck` users. It is data, not execution, so both models use it
// (docs/architecture.md §3).
//
// The encoding is the Devicetree Specification v0.4, chapter 5 (the
// flattened devicetree format):
//
//	offset 0x00  fdtHeader (40 bytes, big-endian)
//	       0x28  memory reservation block: {address, size} u64 pairs,
//	             ended by {0, 0}; empty here, as in QEMU's
//	             structure block: FDT_BEGIN_NODE name / FDT_PROP len
//	             nameoff value / FDT_END_NODE ... FDT_END
//	             strings block: the property names, NUL-terminated
package fdt

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Devicetree Specification v0.4 §5.2 and §5.4.1.
const (
	Magic           = 0xd00dfeed
	Version         = 17
	LastCompVersion = 16

	tokenBeginNode = 0x1
	tokenEndNode   = 0x2
	tokenProp      = 0x3
	tokenNop       = 0x4
	tokenEnd       = 0x9

	headerSize = 40
)

// fdtHeader mirrors struct fdt_header, Devicetree Specification v0.4
// §5.2: ten big-endian 32-bit fields.
type fdtHeader struct {
	Magic           uint32
	TotalSize       uint32
	OffDtStruct     uint32
	OffDtStrings    uint32
	OffMemRsvmap    uint32
	Version         uint32
	LastCompVersion uint32
	BootCpuidPhys   uint32
	SizeDtStrings   uint32
	SizeDtStruct    uint32
}

// ReserveEntry mirrors struct fdt_reserve_entry (§5.3): a memory range
// the client must not use.
type ReserveEntry struct {
	Address, Size uint64
}

// Node is one device tree node. The root's Name is "".
type Node struct {
	Name     string
	Props    []Prop
	Children []*Node
}

// Prop is one property: a name and its raw big-endian value.
type Prop struct {
	Name  string
	Value []byte
}

// Tree is a whole device tree: the root node, the memory reservations and
// the boot CPU, which is all a DTB holds.
type Tree struct {
	Root          *Node
	Reserved      []ReserveEntry
	BootCPUIDPhys uint32
}

// Prop returns the property called name, or nil.
func (n *Node) Prop(name string) *Prop {
	for i := range n.Props {
		if n.Props[i].Name == name {
			return &n.Props[i]
		}
	}
	return nil
}

// Child returns the child called name (with its unit address), or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Lookup returns the node at an absolute path such as "/soc/plic@c000000".
func (n *Node) Lookup(path string) *Node {
	cur := n
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		if cur = cur.Child(part); cur == nil {
			return nil
		}
	}
	return cur
}

// Walk calls fn for n and every node below it, parents first, with each
// node's absolute path.
func (n *Node) Walk(fn func(path string, node *Node)) {
	var walk func(string, *Node)
	walk = func(path string, node *Node) {
		fn(path, node)
		for _, c := range node.Children {
			p := path + "/" + c.Name
			if path == "/" {
				p = "/" + c.Name
			}
			walk(p, c)
		}
	}
	walk("/", n)
}

// U32s returns the value as big-endian 32-bit cells, or false when its
// length is not a multiple of 4.
func (p *Prop) U32s() ([]uint32, bool) {
	if len(p.Value)%4 != 0 {
		return nil, false
	}
	cells := make([]uint32, len(p.Value)/4)
	for i := range cells {
		cells[i] = binary.BigEndian.Uint32(p.Value[4*i:])
	}
	return cells, true
}

// Strings returns the value as a list of NUL-terminated strings, or false
// when it is not one.
func (p *Prop) Strings() ([]string, bool) {
	if len(p.Value) == 0 || p.Value[len(p.Value)-1] != 0 {
		return nil, false
	}
	parts := strings.Split(string(p.Value[:len(p.Value)-1]), "\x00")
	for _, s := range parts {
		if s == "" {
			return nil, false
		}
		for _, r := range s {
			if r < 0x20 || r > 0x7e {
				return nil, false
			}
		}
	}
	return parts, true
}

// Property value constructors (Devicetree Specification v0.4 §2.2.4).

func cells(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, c := range v {
		binary.BigEndian.PutUint32(b[4*i:], c)
	}
	return b
}

func str(s ...string) []byte {
	var b []byte
	for _, x := range s {
		b = append(b, x...)
		b = append(b, 0)
	}
	return b
}

// Encode serializes t as a DTB (version 17, last compatible 16). Property
// names are stored once each in the strings block.
func (t *Tree) Encode() ([]byte, error) {
	if t.Root == nil || t.Root.Name != "" {
		return nil, fmt.Errorf("fdt: encode: the root node must exist and have the empty name")
	}
	var structure, strs []byte
	nameOff := map[string]uint32{}
	put32 := func(v uint32) { structure = binary.BigEndian.AppendUint32(structure, v) }
	pad := func() {
		for len(structure)%4 != 0 {
			structure = append(structure, 0)
		}
	}
	var emit func(path string, n *Node) error
	emit = func(path string, n *Node) error {
		if strings.ContainsAny(n.Name, "/\x00") {
			return fmt.Errorf("fdt: encode: node %q under %s: name has '/' or NUL", n.Name, path)
		}
		put32(tokenBeginNode)
		structure = append(structure, n.Name...)
		structure = append(structure, 0)
		pad()
		seen := map[string]bool{}
		for _, p := range n.Props {
			if seen[p.Name] {
				return fmt.Errorf("fdt: encode: node %s: property %q twice", path, p.Name)
			}
			seen[p.Name] = true
			off, ok := nameOff[p.Name]
			if !ok {
				off = uint32(len(strs))
				nameOff[p.Name] = off
				strs = append(strs, p.Name...)
				strs = append(strs, 0)
			}
			put32(tokenProp)
			put32(uint32(len(p.Value)))
			put32(off)
			structure = append(structure, p.Value...)
			pad()
		}
		for _, c := range n.Children {
			cp := path + "/" + c.Name
			if path == "/" {
				cp = "/" + c.Name
			}
			if err := emit(cp, c); err != nil {
				return err
			}
		}
		put32(tokenEndNode)
		return nil
	}
	if err := emit("/", t.Root); err != nil {
		return nil, err
	}
	put32(tokenEnd)

	// Layout as dtc and libfdt's fdt_pack leave it: header, reservation
	// block (8-aligned), structure block, strings block.
	rsv := make([]byte, 0, 16*(len(t.Reserved)+1))
	for _, r := range append(append([]ReserveEntry(nil), t.Reserved...), ReserveEntry{}) {
		rsv = binary.BigEndian.AppendUint64(rsv, r.Address)
		rsv = binary.BigEndian.AppendUint64(rsv, r.Size)
	}
	h := fdtHeader{
		Magic:           Magic,
		OffMemRsvmap:    headerSize,
		Version:         Version,
		LastCompVersion: LastCompVersion,
		BootCpuidPhys:   t.BootCPUIDPhys,
		SizeDtStrings:   uint32(len(strs)),
		SizeDtStruct:    uint32(len(structure)),
	}
	h.OffDtStruct = h.OffMemRsvmap + uint32(len(rsv))
	h.OffDtStrings = h.OffDtStruct + h.SizeDtStruct
	h.TotalSize = h.OffDtStrings + h.SizeDtStrings
	out := make([]byte, 0, h.TotalSize)
	out = binary.BigEndian.AppendUint32(out, h.Magic)
	for _, v := range []uint32{h.TotalSize, h.OffDtStruct, h.OffDtStrings, h.OffMemRsvmap, h.Version,
		h.LastCompVersion, h.BootCpuidPhys, h.SizeDtStrings, h.SizeDtStruct} {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	out = append(out, rsv...)
	out = append(out, structure...)
	out = append(out, strs...)
	return out, nil
}

// Phandles maps every phandle in the tree to the path of its node.
func (n *Node) Phandles() map[uint32]string {
	m := map[uint32]string{}
	n.Walk(func(path string, node *Node) {
		if p := node.Prop("phandle"); p != nil {
			if c, ok := p.U32s(); ok && len(c) == 1 {
				m[c[0]] = path
			}
		}
	})
	return m
}
