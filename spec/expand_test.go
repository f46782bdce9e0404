package spec

import (
	"reflect"
	"testing"
)

// TestExpansion: every compressed row has its parsed expansion, aligned
// with its 32-bit row's operands, and some are spelled out.
func TestExpansion(t *testing.T) {
	for i := range Insts {
		in := &Insts[i]
		x := in.Expansion
		if in.Ext != ExtC {
			if x != nil {
				t.Errorf("%s: a 32-bit row with an expansion", in.Name)
			}
			continue
		}
		if x == nil || x.Base == nil || x.Base.Ext == ExtC || len(x.Args) != len(x.Base.Args) {
			t.Errorf("%s: expansion %+v", in.Name, x)
		}
	}
	for name, want := range map[string]Expansion{
		"c.addi16sp": {Lookup("addi"), []ExpandArg{{Value: 2}, {Value: 2}, {Role: "imm"}}},
		"c.jalr":     {Lookup("jalr"), []ExpandArg{{Value: 1}, {}, {Role: "rs1"}}},
		"c.sw":       {Lookup("sw"), []ExpandArg{{Role: "rs2"}, {Role: "imm"}, {Role: "rs1"}}},
		"c.ebreak":   {Lookup("ebreak"), nil},
	} {
		if got := Lookup(name).Expansion; !reflect.DeepEqual(*got, want) {
			t.Errorf("%s: expansion %v %+v, want %v %+v", name, got.Base.Name, got.Args, want.Base.Name, want.Args)
		}
	}
}

// TestParseExpandErrors: a malformed Expand is refused with the row's name.
func TestParseExpandErrors(t *testing.T) {
	row := *Lookup("c.addi")
	for _, bad := range []string{"", "addy rd rd imm", "c.addi rd rd imm", "addi rd imm", "addi rd rs2 imm"} {
		row.Expand = bad
		if x, err := parseExpand(&row); err == nil {
			t.Errorf("Expand %q parsed as %+v", bad, x)
		}
	}
}
