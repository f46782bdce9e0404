package refmodel

import "math/bits"

// mul writes the low 64 bits of rs1*rs2 (Unpriv. §7.1).
func (h *Hart) mul(o *operands) *exception { h.setX(o.rd, h.x[o.rs1]*h.x[o.rs2]); return nil }

// mulh writes the high 64 bits of the signed product (Unpriv. §7.1).
func (h *Hart) mulh(o *operands) *exception {
	a, b := h.x[o.rs1], h.x[o.rs2]
	hi, _ := bits.Mul64(a, b)
	// Correct the unsigned high word for negative operands.
	if int64(a) < 0 {
		hi -= b
	}
	if int64(b) < 0 {
		hi -= a
	}
	h.setX(o.rd, hi)
	return nil
}

// mulhsu writes the high 64 bits of signed rs1 times unsigned rs2 (Unpriv. §7.1).
func (h *Hart) mulhsu(o *operands) *exception {
	a, b := h.x[o.rs1], h.x[o.rs2]
	hi, _ := bits.Mul64(a, b)
	if int64(a) < 0 {
		hi -= b
	}
	h.setX(o.rd, hi)
	return nil
}

// mulhu writes the high 64 bits of the unsigned product (Unpriv. §7.1).
func (h *Hart) mulhu(o *operands) *exception {
	hi, _ := bits.Mul64(h.x[o.rs1], h.x[o.rs2])
	h.setX(o.rd, hi)
	return nil
}

// div divides, signed, rounding toward zero; x/0 = -1 and the overflow
// case MinInt64/-1 = MinInt64 (Unpriv. §7.2, Table 7.1).
func (h *Hart) div(o *operands) *exception {
	a, b := int64(h.x[o.rs1]), int64(h.x[o.rs2])
	switch {
	case b == 0:
		h.setX(o.rd, ^uint64(0))
	case b == -1:
		h.setX(o.rd, uint64(-a)) // wraps for MinInt64, as the table says
	default:
		h.setX(o.rd, uint64(a/b))
	}
	return nil
}

// divu divides, unsigned; x/0 = 2^64-1 (Unpriv. §7.2).
func (h *Hart) divu(o *operands) *exception {
	a, b := h.x[o.rs1], h.x[o.rs2]
	if b == 0 {
		h.setX(o.rd, ^uint64(0))
	} else {
		h.setX(o.rd, a/b)
	}
	return nil
}

// rem is the signed remainder; x%0 = x and MinInt64%-1 = 0 (Unpriv. §7.2).
func (h *Hart) rem(o *operands) *exception {
	a, b := int64(h.x[o.rs1]), int64(h.x[o.rs2])
	switch {
	case b == 0:
		h.setX(o.rd, uint64(a))
	case b == -1:
		h.setX(o.rd, 0)
	default:
		h.setX(o.rd, uint64(a%b))
	}
	return nil
}

// remu is the unsigned remainder; x%0 = x (Unpriv. §7.2).
func (h *Hart) remu(o *operands) *exception {
	a, b := h.x[o.rs1], h.x[o.rs2]
	if b == 0 {
		h.setX(o.rd, a)
	} else {
		h.setX(o.rd, a%b)
	}
	return nil
}

// mulw multiplies the low words and sign-extends the low 32 bits of the product (Unpriv. §7.1).
func (h *Hart) mulw(o *operands) *exception { h.setX(o.rd, sext32(h.x[o.rs1]*h.x[o.rs2])); return nil }

// divw divides the low words, signed, with the §7.2 special cases.
func (h *Hart) divw(o *operands) *exception {
	a, b := int32(h.x[o.rs1]), int32(h.x[o.rs2])
	switch {
	case b == 0:
		h.setX(o.rd, ^uint64(0))
	case b == -1:
		h.setX(o.rd, uint64(int64(-a)))
	default:
		h.setX(o.rd, uint64(int64(a/b)))
	}
	return nil
}

// divuw divides the low words, unsigned, and sign-extends (Unpriv. §7.2).
func (h *Hart) divuw(o *operands) *exception {
	a, b := uint32(h.x[o.rs1]), uint32(h.x[o.rs2])
	if b == 0 {
		h.setX(o.rd, ^uint64(0))
	} else {
		h.setX(o.rd, sext32(uint64(a/b)))
	}
	return nil
}

// remw is the signed remainder of the low words (Unpriv. §7.2).
func (h *Hart) remw(o *operands) *exception {
	a, b := int32(h.x[o.rs1]), int32(h.x[o.rs2])
	switch {
	case b == 0:
		h.setX(o.rd, uint64(int64(a)))
	case b == -1:
		h.setX(o.rd, 0)
	default:
		h.setX(o.rd, uint64(int64(a%b)))
	}
	return nil
}

// remuw is the unsigned remainder of the low words, sign-extended (Unpriv. §7.2).
func (h *Hart) remuw(o *operands) *exception {
	a, b := uint32(h.x[o.rs1]), uint32(h.x[o.rs2])
	if b == 0 {
		h.setX(o.rd, sext32(uint64(a)))
	} else {
		h.setX(o.rd, sext32(uint64(a%b)))
	}
	return nil
}
