package gdb

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The GDB remote serial protocol's framing (GDB manual, "Overview" of
// "Remote Protocol"): a packet is $payload#cs, cs the two-hex-digit sum of
// the payload bytes modulo 256; '}' escapes the next byte (XOR 0x20); a
// '*' followed by a byte n repeats the previous byte n-29 times (run-length
// encoding, in replies only). An acknowledgement '+' or '-' follows each
// packet unless no-ack mode was negotiated; 0x03 alone is an interrupt.

// MaxPacket bounds a packet's payload after decoding. A peer that sends
// more is broken or hostile; the read fails instead of growing without end.
const MaxPacket = 1 << 20

// ErrProtocol is wrapped by every error about malformed data from the peer.
var ErrProtocol = errors.New("gdb protocol error")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Frame encodes a payload as a packet, escaping '$', '#', '}' and '*'.
func Frame(payload []byte) []byte {
	out := make([]byte, 0, len(payload)+4)
	out = append(out, '$')
	var sum byte
	for _, c := range payload {
		if c == '$' || c == '#' || c == '}' || c == '*' {
			out = append(out, '}')
			sum += '}'
			c ^= 0x20
		}
		out = append(out, c)
		sum += c
	}
	return fmt.Appendf(out, "#%02x", sum)
}

// item is one unit read from the stream: a packet, an ack, or an interrupt.
type item struct {
	kind    byte // '$' packet, '+' or '-' ack, 0x03 interrupt
	payload []byte
	bad     bool // the checksum did not match (the payload is still returned)
}

// readItem reads the next packet, acknowledgement or interrupt byte.
// Bytes outside a packet that are none of these are skipped, as GDB
// does, but only up to MaxPacket of them.
func readItem(r *bufio.Reader) (item, error) {
	for skipped := 0; ; skipped++ {
		if skipped > MaxPacket {
			return item{}, protoErr("%d bytes of noise without a packet", skipped)
		}
		c, err := r.ReadByte()
		if err != nil {
			return item{}, err
		}
		switch c {
		case '+', '-', 0x03:
			return item{kind: c}, nil
		case '$':
			p, bad, err := readPayload(r)
			if err != nil {
				return item{}, err
			}
			return item{kind: '$', payload: p, bad: bad}, nil
		}
	}
}

// readPayload reads a packet's payload after the '$' and its checksum,
// undoing escapes and run-length encoding.
func readPayload(r *bufio.Reader) (payload []byte, bad bool, err error) {
	var sum byte
	var out []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, false, err
		}
		switch c {
		case '#':
			var cs [2]byte
			for i := range cs {
				if cs[i], err = r.ReadByte(); err != nil {
					return nil, false, err
				}
			}
			want, err := strconv.ParseUint(string(cs[:]), 16, 8)
			if err != nil {
				return nil, false, protoErr("checksum %q is not two hex digits", cs[:])
			}
			return out, byte(want) != sum, nil
		case '$':
			return nil, false, protoErr("'$' inside a packet")
		case '}':
			sum += c
			e, err := r.ReadByte()
			if err != nil {
				return nil, false, err
			}
			sum += e
			out = append(out, e^0x20)
		case '*':
			sum += c
			n, err := r.ReadByte()
			if err != nil {
				return nil, false, err
			}
			sum += n
			if len(out) == 0 {
				return nil, false, protoErr("run-length '*' at the start of a packet")
			}
			if n < 29 || n > 126 {
				return nil, false, protoErr("run-length count %#x out of range", n)
			}
			last := out[len(out)-1]
			for i := 0; i < int(n)-29; i++ {
				out = append(out, last)
			}
		default:
			sum += c
			out = append(out, c)
		}
		if len(out) > MaxPacket {
			return nil, false, protoErr("packet longer than %d bytes", MaxPacket)
		}
	}
}

// StopReply is a decoded stop reply ('?', step and continue answers).
type StopReply struct {
	Kind   byte   // 'S' or 'T' stopped, 'W' exited, 'X' killed by a signal
	Signal int    // the signal number, or the exit status for 'W'
	Thread string // the thread: field of a 'T' reply, if any
	Reason string // watch/break/swbreak/... key of a 'T' reply, if any
}

// Exited reports whether the target is gone.
func (s StopReply) Exited() bool { return s.Kind == 'W' || s.Kind == 'X' }

// ParseStopReply decodes a stop reply packet.
func ParseStopReply(p string) (StopReply, error) {
	if p == "" {
		return StopReply{}, protoErr("empty stop reply")
	}
	s := StopReply{Kind: p[0]}
	switch s.Kind {
	case 'S', 'T', 'X':
		if len(p) < 3 {
			return StopReply{}, protoErr("stop reply %q too short", p)
		}
		n, err := strconv.ParseUint(p[1:3], 16, 8)
		if err != nil {
			return StopReply{}, protoErr("stop reply %q: bad signal", p)
		}
		s.Signal = int(n)
		if s.Kind == 'T' {
			for _, f := range strings.Split(p[3:], ";") {
				k, v, ok := strings.Cut(f, ":")
				if !ok {
					continue
				}
				switch k {
				case "thread":
					s.Thread = v
				case "watch", "rwatch", "awatch", "swbreak", "hwbreak", "library", "replaylog":
					s.Reason = k
				}
			}
		}
	case 'W':
		v, _, _ := strings.Cut(p[1:], ";")
		n, err := strconv.ParseUint(v, 16, 8)
		if err != nil || v == "" {
			return StopReply{}, protoErr("exit reply %q: bad status", p)
		}
		s.Signal = int(n)
	default:
		return StopReply{}, protoErr("unexpected stop reply %q", truncate(p))
	}
	return s, nil
}

// errorReply reports whether p is an "Enn" error reply (or "E.text").
func errorReply(p string) bool {
	if len(p) == 3 && p[0] == 'E' {
		_, err := strconv.ParseUint(p[1:], 16, 8)
		return err == nil
	}
	return len(p) > 1 && p[0] == 'E' && p[1] == '.'
}

// decodeLE reads a little-endian register value of up to 8 bytes from its
// hex form (the 'p' and 'g' encodings); 'x' digits (unavailable) are an
// error.
func decodeLE(h string) (uint64, error) {
	if len(h)%2 != 0 || len(h) > 16 || h == "" {
		return 0, protoErr("register value %q is not 1-8 hex bytes", truncate(h))
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return 0, protoErr("register value %q is not hex", truncate(h))
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// encodeLE writes v as n little-endian bytes in hex.
func encodeLE(v uint64, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return hex.EncodeToString(b)
}

// truncate shortens peer data quoted in an error message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
