// Package jsonout holds the conventions of vcheck's JSON output, so that
// every command and report writes the same shapes (docs/cli.md, "JSON
// conventions"):
//
//   - field names are snake_case;
//   - enumerations are strings ("reason": "instruction limit",
//     "mode": "M", "declared": "privileged");
//   - 64-bit values that a JSON number (an IEEE double) cannot hold
//     exactly are strings: addresses, register and CSR values and
//     instruction bits in hex ("0x80000000", Hex), seeds in decimal
//     ("1234567890123456789", Dec), so that `jq -r .seed` reproduces a run;
//   - counts (records, instructions, programs) stay numbers.
//
// It also gives the JSON view of the spec types that appear in outputs: a
// retire record, a trap, an exit. It depends on spec only.
package jsonout

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
)

// Hex is a 64-bit value written as a "0x..." string.
type Hex uint64

// MarshalJSON writes "0x" and lower-case hex digits.
func (h Hex) MarshalJSON() ([]byte, error) {
	return []byte(`"0x` + strconv.FormatUint(uint64(h), 16) + `"`), nil
}

// UnmarshalJSON reads a "0x..." string (or a plain number).
func (h *Hex) UnmarshalJSON(b []byte) error {
	v, err := parseUint(b, 16)
	*h = Hex(v)
	return err
}

// Dec is a 64-bit value written as a decimal string (a seed).
type Dec uint64

// MarshalJSON writes the decimal digits in quotes.
func (d Dec) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(d), 10) + `"`), nil
}

// UnmarshalJSON reads a decimal string (or a plain number).
func (d *Dec) UnmarshalJSON(b []byte) error {
	v, err := parseUint(b, 10)
	*d = Dec(v)
	return err
}

func parseUint(b []byte, base int) (uint64, error) {
	s := string(b)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	if base == 16 {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
			return strconv.ParseUint(rest, 16, 64)
		}
		base = 10
	}
	return strconv.ParseUint(s, base, 64)
}

// Exit is how a machine stopped.
type Exit struct {
	Reason string `json:"reason"` // spec.HaltReason's words: "running", "finisher", "htif", "instruction limit", "reset", "trap loop"
	Code   int    `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// ExitOf is the JSON view of e.
func ExitOf(e spec.Exit) Exit { return Exit{Reason: e.Reason.String(), Code: e.Code, Detail: e.Detail} }

// Retire is the JSON view of a retire record; the parts a step did not
// have (Rd, Mem, CSR, Trap) are absent.
type Retire struct {
	Hart     int       `json:"hart"`
	PC       Hex       `json:"pc"`
	Insn     Hex       `json:"insn"`
	Mode     string    `json:"mode"`
	NextPC   Hex       `json:"next_pc"`
	NextMode string    `json:"next_mode"`
	Rd       *RegWrite `json:"rd,omitempty"`
	Mem      *Mem      `json:"mem,omitempty"`
	CSR      *CSRWrite `json:"csr,omitempty"`
	Trap     *Trap     `json:"trap,omitempty"`
}

// RegWrite is an integer register write.
type RegWrite struct {
	Reg   int `json:"reg"`
	Value Hex `json:"value"`
}

// Mem is a data memory access; RData is present for a read, WData for a
// write (both for an AMO).
type Mem struct {
	Addr  Hex  `json:"addr"`
	Size  int  `json:"size"`
	Read  bool `json:"read"`
	Write bool `json:"write"`
	RData *Hex `json:"rdata,omitempty"`
	WData *Hex `json:"wdata,omitempty"`
}

// CSRWrite is a Zicsr instruction's write to its CSR.
type CSRWrite struct {
	Addr  Hex    `json:"addr"`
	Name  string `json:"name,omitempty"`
	Value Hex    `json:"value"`
}

// Trap is a trap taken by a step.
type Trap struct {
	Interrupt bool   `json:"interrupt"`
	Cause     int    `json:"cause"`
	Name      string `json:"name"` // the specification's name of the cause
	Tval      Hex    `json:"tval"`
	Target    string `json:"target"` // the mode that handles it
}

// TrapOf is the JSON view of t, or nil when t is not Valid.
func TrapOf(t spec.Trap) *Trap {
	if !t.Valid {
		return nil
	}
	return &Trap{Interrupt: t.Interrupt, Cause: int(t.Cause), Name: spec.CauseName(t.Interrupt, t.Cause), Tval: Hex(t.Tval), Target: t.Target.String()}
}

// RegWriteOf is the JSON view of w, or nil when w is not Valid.
func RegWriteOf(w spec.RegWrite) *RegWrite {
	if !w.Valid {
		return nil
	}
	return &RegWrite{Reg: int(w.Reg), Value: Hex(w.Value)}
}

// MemOf is the JSON view of m, or nil when m is not Valid.
func MemOf(m spec.MemAccess) *Mem {
	if !m.Valid {
		return nil
	}
	j := &Mem{Addr: Hex(m.Addr), Size: int(m.Size), Read: m.Read, Write: m.Write}
	if m.Read {
		v := Hex(m.RData)
		j.RData = &v
	}
	if m.Write {
		v := Hex(m.WData)
		j.WData = &v
	}
	return j
}

// CSRWriteOf is the JSON view of c, or nil when c is not Valid.
func CSRWriteOf(c spec.CSRWrite) *CSRWrite {
	if !c.Valid {
		return nil
	}
	j := &CSRWrite{Addr: Hex(c.Addr), Value: Hex(c.Value)}
	if d := spec.LookupCSR(c.Addr); d != nil {
		j.Name = d.Name
	}
	return j
}

// RetireOf is the JSON view of r.
func RetireOf(r spec.Retire) Retire {
	return Retire{Hart: r.Hart, PC: Hex(r.PC), Insn: Hex(r.Insn), Mode: r.Mode.String(), NextPC: Hex(r.NextPC),
		NextMode: r.NextMode.String(), Rd: RegWriteOf(r.Rd), Mem: MemOf(r.Mem), CSR: CSRWriteOf(r.CSR), Trap: TrapOf(r.Trap)}
}

// Retires is the JSON view of rs (never null).
func Retires(rs []spec.Retire) []Retire {
	out := make([]Retire, len(rs))
	for i, r := range rs {
		out[i] = RetireOf(r)
	}
	return out
}

// Marshal is json.MarshalIndent with two spaces and without HTML
// escaping ("<sym>" stays readable), as every command writes.
func Marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return []byte(b.String()), nil
}
