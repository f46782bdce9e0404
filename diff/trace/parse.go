// Package trace reads and writes commit logs in Spike's formats
// (riscv-isa-sim: --log-commits, and the exception lines of -l), so that
// a log is a target (trace:FILE, a diff.Target) and our models print what
// Spike prints for the same step (Format). docs/external.md shows the
// accepted formats.
package trace

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrFormat is wrapped by every error about a malformed log line.
var ErrFormat = errors.New("commit log")

// Event is one line of a log that says something about a step.
type Event struct {
	Line int  // 1-based line number
	Kind byte // 'c' commit, 'd' disassembly (-l), 'x' exception, 't' tval
	Hart int
	// commit and disassembly lines
	Priv   int // commit lines: the privilege level the instruction ran in
	PC     uint64
	Insn   uint32
	InsnHx int // hex digits of the instruction: 4 for a compressed one
	Regs   []RegWrite
	CSRs   []CSRWrite
	Loads  []uint64
	Stores []Store
	// exception lines
	Trap string // Spike's trap name: trap_illegal_instruction, interrupt #7, trap #N
	EPC  uint64
	Tval uint64 // tval lines
}

// RegWrite is an integer register write of a commit line.
type RegWrite struct {
	Reg   int
	Value uint64
}

// CSRWrite is a CSR write of a commit line (cNNN_name VALUE).
type CSRWrite struct {
	Addr  uint16
	Name  string
	Value uint64
}

// Store is a store of a commit line (mem ADDR VALUE).
type Store struct {
	Addr  uint64
	Value uint64
	Size  int
}

// MaxLine bounds a log line; a longer one is not a commit log.
const MaxLine = 1 << 16

// Reader reads events from a log. Lines that do not start with "core"
// (program output mixed into the log, Spike's banner) are skipped; a
// "core" line that is none of the known forms is an error naming the
// line.
type Reader struct {
	s       *bufio.Scanner
	name    string
	line    int
	Skipped int // lines skipped
}

// NewReader reads the log r, named name in errors.
func NewReader(r io.Reader, name string) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 4096), MaxLine)
	return &Reader{s: s, name: name}
}

// Next returns the next event, or io.EOF at the end.
func (r *Reader) Next() (Event, error) {
	for r.s.Scan() {
		r.line++
		line := strings.TrimRight(r.s.Text(), "\r")
		if !strings.HasPrefix(line, "core") {
			r.Skipped++
			continue
		}
		e, ok, err := ParseLine(line)
		if err != nil {
			return Event{}, fmt.Errorf("%w: %s:%d: %v", ErrFormat, r.name, r.line, err)
		}
		if !ok {
			r.Skipped++
			continue
		}
		e.Line = r.line
		return e, nil
	}
	if err := r.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return Event{}, fmt.Errorf("%w: %s:%d: a line longer than %d bytes", ErrFormat, r.name, r.line+1, MaxLine)
		}
		return Event{}, fmt.Errorf("%s: %w", r.name, err)
	}
	return Event{}, io.EOF
}

// ParseLine parses one log line that starts with "core". ok is false for
// lines that carry nothing about a step (Spike's ">>>>  symbol" lines).
func ParseLine(line string) (e Event, ok bool, err error) {
	head, rest, found := strings.Cut(line, ":")
	if !found {
		return e, false, errors.New("no ':' after the core number")
	}
	hart, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "core")))
	if err != nil || hart < 0 || hart > 4095 {
		return e, false, fmt.Errorf("bad core number in %q", head)
	}
	e.Hart = hart
	f := strings.Fields(rest)
	if len(f) == 0 {
		return e, false, errors.New("nothing after the core number")
	}
	switch {
	case f[0] == ">>>>":
		return e, false, nil
	case f[0] == "exception":
		// exception NAME, epc 0x...   (NAME may contain a space: "interrupt #7")
		i := strings.Index(rest, "exception ")
		body := rest[i+len("exception "):]
		name, epc, ok := strings.Cut(body, ", epc ")
		if !ok {
			return e, false, fmt.Errorf("exception line without \", epc\": %q", line)
		}
		e.Kind, e.Trap = 'x', strings.TrimSpace(name)
		if e.EPC, err = hexValue(strings.TrimSpace(epc)); err != nil {
			return e, false, fmt.Errorf("exception epc: %v", err)
		}
		return e, true, nil
	case f[0] == "tval":
		if len(f) != 2 {
			return e, false, fmt.Errorf("tval line %q", line)
		}
		e.Kind = 't'
		if e.Tval, err = hexValue(f[1]); err != nil {
			return e, false, fmt.Errorf("tval: %v", err)
		}
		return e, true, nil
	case len(f[0]) == 1 && f[0][0] >= '0' && f[0][0] <= '3':
		e.Kind = 'c'
		e.Priv = int(f[0][0] - '0')
		f = f[1:]
	case strings.HasPrefix(f[0], "0x"):
		e.Kind = 'd' // -l: "core   0: 0xPC (0xINSN) disassembly"
	default:
		return e, false, fmt.Errorf("unknown line %q", truncate(line))
	}
	if len(f) < 2 {
		return e, false, fmt.Errorf("no pc and instruction in %q", truncate(line))
	}
	if e.PC, err = hexValue(f[0]); err != nil {
		return e, false, fmt.Errorf("pc: %v", err)
	}
	in := f[1]
	if !strings.HasPrefix(in, "(0x") || !strings.HasSuffix(in, ")") {
		return e, false, fmt.Errorf("instruction %q is not (0x...)", in)
	}
	hx := in[3 : len(in)-1]
	v, err := strconv.ParseUint(hx, 16, 32)
	if err != nil || (len(hx) != 4 && len(hx) != 8) {
		return e, false, fmt.Errorf("instruction %q is not 4 or 8 hex digits", in)
	}
	e.Insn, e.InsnHx = uint32(v), len(hx)
	if e.Kind == 'd' {
		return e, true, nil
	}
	for i := 2; i < len(f); i++ {
		tok := f[i]
		switch {
		case tok == "mem":
			if i+1 >= len(f) {
				return e, false, errors.New("mem without an address")
			}
			a, err := hexValue(f[i+1])
			if err != nil {
				return e, false, fmt.Errorf("mem address: %v", err)
			}
			i++
			if i+1 < len(f) && strings.HasPrefix(f[i+1], "0x") {
				hx := f[i+1][2:]
				v, err := strconv.ParseUint(hx, 16, 64)
				if err != nil || len(hx)%2 != 0 || len(hx) == 0 || len(hx) > 16 {
					return e, false, fmt.Errorf("store value %q", f[i+1])
				}
				e.Stores = append(e.Stores, Store{Addr: a, Value: v, Size: len(hx) / 2})
				i++
			} else {
				e.Loads = append(e.Loads, a)
			}
		case len(tok) >= 2 && tok[0] == 'x' && isDigits(tok[1:]):
			n, _ := strconv.Atoi(tok[1:])
			if n > 31 || i+1 >= len(f) {
				return e, false, fmt.Errorf("register write %q", tok)
			}
			v, err := hexValue(f[i+1])
			if err != nil {
				return e, false, fmt.Errorf("%s: %v", tok, err)
			}
			e.Regs = append(e.Regs, RegWrite{n, v})
			i++
		case len(tok) >= 3 && tok[0] == 'c' && strings.Contains(tok, "_") && isDigits(tok[1:strings.IndexByte(tok, '_')]):
			num, name, _ := strings.Cut(tok[1:], "_")
			n, _ := strconv.Atoi(num)
			if n > 0xfff || i+1 >= len(f) {
				return e, false, fmt.Errorf("CSR write %q", tok)
			}
			v, err := hexValue(f[i+1])
			if err != nil {
				return e, false, fmt.Errorf("%s: %v", tok, err)
			}
			e.CSRs = append(e.CSRs, CSRWrite{uint16(n), name, v})
			i++
		default:
			return e, false, fmt.Errorf("unknown field %q (floating-point and vector state are not in rv64pg)", tok)
		}
	}
	return e, true, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func hexValue(s string) (uint64, error) {
	if !strings.HasPrefix(s, "0x") || len(s) < 3 || len(s) > 18 {
		return 0, fmt.Errorf("%q is not a 0x hex value", truncate(s))
	}
	v, err := strconv.ParseUint(s[2:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a 0x hex value", truncate(s))
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
