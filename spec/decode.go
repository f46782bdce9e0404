package spec

// Decode returns the row of Insts that encodes word, or nil when word is
// not an rv64pg instruction. A compressed instruction is passed in the low
// 16 bits. This is a convenience for tools (assembler, disassembler, CLI);
// the models decode from the table in their own way.
func Decode(word uint32) *Inst {
	var rows []uint16
	if word&3 == 3 {
		rows = decode32Buckets[word&0x7f]
	} else {
		word &= 0xffff
		rows = decode16Buckets[word>>13&7<<2|word&3]
	}
	for _, r := range rows {
		if Insts[r].Matches(word) {
			return &Insts[r]
		}
	}
	return nil
}

// Lookup returns the row for a mnemonic (without aq/rl suffixes), or nil.
func Lookup(name string) *Inst {
	if i, ok := instByName[name]; ok {
		return &Insts[i]
	}
	return nil
}

// Operand returns the value of the operand with the given role ("rd",
// "rs1", "rs2", "imm", "csr", ...) in word, and whether the row has one.
func (in *Inst) Operand(word uint32, role string) (int64, bool) {
	for _, a := range in.Args {
		if ArgSpecs[a].Role == role {
			return a.Value(word), true
		}
	}
	return 0, false
}
