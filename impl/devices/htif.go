package devices

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/vcheck-dev/vcheck/spec"
)

// HTIF is the host side of Spike's HTIF mailbox, as riscv-tests use it:
// two 8-byte words in RAM, tohost and fromhost, named by the program's
// ELF symbols. The user tells it of every write that may touch tohost
// (Written); it then reads the command the guest left there:
//
//	device 0 (bits 63:56), odd     exit with code v>>1 (1: pass)
//	device 1, command 1 (55:48)    console: print the low byte
//	device 0, even                 syscall: v points at a magic_mem block;
//	                               only write(2) (number 64) is served
//
// and answers it by clearing tohost and writing fromhost (when the
// program has one).
type HTIF struct {
	toHost, fromHost uint64
	out              io.Writer
}

// NewHTIF returns the HTIF of a program whose tohost and fromhost symbols
// are at those physical addresses (0: the program has none).
func NewHTIF(tohost, fromhost uint64) *HTIF {
	return &HTIF{toHost: tohost, fromHost: fromhost}
}

// Written handles a write of [pa, pa+size) to RAM: when it touched tohost
// and tohost holds a command, the command runs. It returns the exit a
// command asks for and true when the user is to halt. mem is the RAM the
// words live in.
func (d *HTIF) Written(pa, size uint64, mem Memory) (spec.Exit, bool) {
	if d.toHost == 0 || pa+size <= d.toHost || pa >= d.toHost+8 {
		return spec.Exit{}, false
	}
	word, ok := mem.Bytes(d.toHost, 8)
	if !ok {
		return spec.Exit{}, false
	}
	v := binary.LittleEndian.Uint64(word)
	switch {
	case v == 0:
	case v&1 != 0 && v>>56 == 0: // device 0 (syscall), odd: exit with v>>1
		code := int(v >> 1)
		detail := fmt.Sprintf("HTIF tohost=%#x: pass", v)
		if code != 0 {
			detail = fmt.Sprintf("HTIF tohost=%#x: test %d failed", v, code)
		}
		return spec.Exit{Reason: spec.HaltHTIF, Code: code, Detail: detail}, true
	case v>>56 == 1 && v>>48&0xff == 1: // console putchar
		if d.out != nil {
			d.out.Write([]byte{byte(v)})
		}
		return d.reply(mem, 1<<56|1<<48)
	case v>>56 == 0: // syscall: v points at a magic_mem block; only write(2) is served
		if magic, ok := mem.Bytes(v, 32); ok {
			if binary.LittleEndian.Uint64(magic) == 64 {
				buf, n := binary.LittleEndian.Uint64(magic[16:]), binary.LittleEndian.Uint64(magic[24:])
				if data, ok := mem.Bytes(buf, n); ok && d.out != nil {
					d.out.Write(data)
				}
				mem.Store64(v, n)
			}
		}
		return d.reply(mem, 1)
	}
	return spec.Exit{}, false
}

// reply clears tohost and writes fromhost. A fromhost that overlaps
// tohost is then a write to tohost, which Written handles.
func (d *HTIF) reply(mem Memory, reply uint64) (spec.Exit, bool) {
	mem.Store64(d.toHost, 0)
	if d.fromHost == 0 {
		return spec.Exit{}, false
	}
	mem.Store64(d.fromHost, reply)
	return d.Written(d.fromHost, 8, mem)
}
