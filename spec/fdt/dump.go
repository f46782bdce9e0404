package fdt

import (
	"fmt"
	"strings"
)

// Dump returns dts-like text for a DTB, in the style of
// `dtc -I dtb -O dts`: strings as "…", cells as <0x…>, other bytes as
// [..]. An invalid DTB gives a comment saying what is wrong, so the
// output is always printable.
func Dump(dtb []byte) string {
	t, err := Parse(dtb)
	if err != nil {
		return fmt.Sprintf("/* invalid DTB: %v */\n", err)
	}
	return t.String()
}

// String renders t as dts text.
func (t *Tree) String() string {
	var b strings.Builder
	b.WriteString("/dts-v1/;\n")
	for _, r := range t.Reserved {
		fmt.Fprintf(&b, "/memreserve/ %#x %#x;\n", r.Address, r.Size)
	}
	b.WriteString("\n")
	dumpNode(&b, t.Root, 0)
	return b.String()
}

func dumpNode(b *strings.Builder, n *Node, depth int) {
	indent := strings.Repeat("\t", depth)
	name := n.Name
	if name == "" {
		name = "/"
	}
	fmt.Fprintf(b, "%s%s {\n", indent, name)
	for _, p := range n.Props {
		if len(p.Value) == 0 {
			fmt.Fprintf(b, "%s\t%s;\n", indent, p.Name)
			continue
		}
		fmt.Fprintf(b, "%s\t%s = %s;\n", indent, p.Name, FormatValue(&p))
	}
	for i, c := range n.Children {
		if i > 0 || len(n.Props) > 0 {
			b.WriteString("\n")
		}
		dumpNode(b, c, depth+1)
	}
	fmt.Fprintf(b, "%s};\n", indent)
}

// FormatValue renders a property value as dts source would write it.
func FormatValue(p *Prop) string {
	if s, ok := p.Strings(); ok {
		return `"` + strings.Join(s, `", "`) + `"`
	}
	if c, ok := p.U32s(); ok {
		parts := make([]string, len(c))
		for i, v := range c {
			parts[i] = fmt.Sprintf("%#x", v)
		}
		return "<" + strings.Join(parts, " ") + ">"
	}
	parts := make([]string, len(p.Value))
	for i, v := range p.Value {
		parts[i] = fmt.Sprintf("%02x", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
