package devices

import (
	"fmt"
	"io"

	"github.com/vcheck-dev/vcheck/spec"
)

// HTIF is the host side of the Berkeley host-target interface that
// riscv-tests and their benchmarks use (riscv-isa-sim's fesvr; QEMU 7.2
// hw/char/riscv_htif.c for the spike machine). The program's ELF symbols
// tohost and fromhost name two 64-bit words in RAM.
//
// The HTIF is a Device whose window is the 8 bytes of tohost, mapped on
// the bus ahead of RAM: loads and stores of any size 1/2/4/8 inside it,
// aligned or not, read and write the word as RAM would; an access that
// runs past it fails, so do not let one straddle tohost. The word starts
// at 0, whatever the ELF put in RAM under it (riscv-tests leave it 0).
// fromhost stays plain RAM, which the host writes through Memory.
//
// After every store the word is a command if it is not zero (fesvr polls
// for that). Bits 63:56 are the device, 55:48 the command, 47:0 the
// payload:
//
//	device 0, cmd 0, payload odd   exit with code payload>>1 (1: pass)
//	device 0, cmd 0, payload even  syscall proxy: payload points to
//	                               magic_mem, 8 dwords: number, args...;
//	                               sys_write (64) to fd 1 or 2 prints,
//	                               sys_exit (93) exits; others give -ENOSYS
//	device 1, cmd 1                console: print the payload's low byte
//
// Other commands are ignored. The host answers at once, inside the store:
// it writes a syscall's result to magic_mem[0], clears tohost and writes
// the response to fromhost (fesvr: 1 for a syscall; QEMU's riscv_htif:
// 0x0101_0000_0000_0100|byte for a console write). So riscv-tests'
// "sw low, sw high" exit sequence stops the machine at its first store.
type HTIF struct {
	tohost, fromhost uint64
	mem              Memory
	console          io.Writer
	word             uint64 // the tohost word
	exit             spec.Exit
	halted           bool
}

// HTIF system calls (riscv-pk / newlib numbering, as fesvr's syscall_t).
const (
	htifSysWrite = 64
	htifSysExit  = 93
)

// Linux error numbers a proxied call returns, negated.
const (
	errBADF  = 9
	errFAULT = 14
	errNOSYS = 38
)

// negErrno is -errno as a 64-bit register value.
func negErrno(errno uint64) uint64 { return -errno }

// NewHTIF returns the HTIF for a program whose tohost and fromhost
// symbols are at those addresses; fromhost may be 0 (no responses are
// written). mem is the machine's physical memory and console receives
// what the program prints (nil: discarded).
func NewHTIF(tohost, fromhost uint64, mem Memory, console io.Writer) *HTIF {
	if console == nil {
		console = io.Discard
	}
	return &HTIF{tohost: tohost, fromhost: fromhost, mem: mem, console: console}
}

// Name implements Device.
func (h *HTIF) Name() string { return "htif" }

// Base implements Device.
func (h *HTIF) Base() uint64 { return h.tohost }

// Size implements Device.
func (h *HTIF) Size() uint64 { return 8 }

func htifInside(offset uint64, size int) bool {
	return validSize(size) && offset < 8 && uint64(size) <= 8-offset
}

// Load implements Device.
func (h *HTIF) Load(offset uint64, size int) (uint64, bool) {
	if !htifInside(offset, size) {
		return 0, false
	}
	return h.word >> (8 * offset) & sizeMask(size), true
}

// Store implements Device. It runs the command the store completes.
func (h *HTIF) Store(offset uint64, size int, value uint64) bool {
	if !htifInside(offset, size) {
		return false
	}
	shift := 8 * offset
	h.word = h.word&^(sizeMask(size)<<shift) | (value&sizeMask(size))<<shift
	if h.word != 0 && !h.halted {
		h.command(h.word)
	}
	return true
}

// Halted reports whether the program asked to exit, and how.
func (h *HTIF) Halted() (spec.Exit, bool) { return h.exit, h.halted }

func (h *HTIF) command(word uint64) {
	device, cmd, payload := word>>56, word>>48&0xff, word&(1<<48-1)
	switch {
	case device == 0 && cmd == 0 && payload&1 == 1:
		h.stop(int(payload>>1), word)
		return
	case device == 0 && cmd == 0:
		h.respond(word, h.syscall(payload))
	case device == 1 && cmd == 1:
		_, _ = h.console.Write([]byte{byte(payload)})
		h.respond(word, 0x100|payload&0xff)
	default:
		h.word = 0 // unknown: consumed without an answer, as QEMU logs and drops it
	}
}

func (h *HTIF) stop(code int, word uint64) {
	detail := fmt.Sprintf("HTIF tohost=%#x: pass", word)
	if code != 0 {
		detail = fmt.Sprintf("HTIF tohost=%#x: test %d failed", word, code)
	}
	h.exit = spec.Exit{Reason: spec.HaltHTIF, Code: code, Detail: detail}
	h.halted = true
}

// respond clears tohost and writes the answer to fromhost (device and
// command echoed in bits 63:48, as fesvr's command_t::respond does).
func (h *HTIF) respond(word, answer uint64) {
	h.word = 0
	if h.fromhost != 0 && h.mem != nil {
		h.mem.WritePhys(h.fromhost, 8, word>>48<<48|answer&(1<<48-1))
	}
}

// syscall runs the proxied system call described at magic (fesvr
// syscall_t::handle_syscall) and returns fesvr's answer, 1.
func (h *HTIF) syscall(magic uint64) uint64 {
	if h.mem == nil {
		return 1
	}
	var args [4]uint64
	for i := range args {
		v, ok := h.mem.ReadPhys(magic+8*uint64(i), 8)
		if !ok {
			return 1 // a bad pointer: fesvr would fault; we answer and move on
		}
		args[i] = v
	}
	var ret uint64
	switch args[0] {
	case htifSysWrite:
		ret = h.sysWrite(args[1], args[2], args[3])
	case htifSysExit:
		h.stop(int(args[1]), magic)
		return 1
	default:
		ret = negErrno(errNOSYS)
	}
	h.mem.WritePhys(magic, 8, ret)
	return 1
}

// sysWrite prints len bytes at buf when fd is stdout or stderr, and
// returns the count written (or -EBADF/-EFAULT, as a kernel would).
func (h *HTIF) sysWrite(fd, buf, n uint64) uint64 {
	if fd != 1 && fd != 2 {
		return negErrno(errBADF)
	}
	const maxWrite = 1 << 20 // a bound on what one call may print
	if n > maxWrite {
		n = maxWrite
	}
	out := make([]byte, 0, n)
	for i := uint64(0); i < n; i++ {
		v, ok := h.mem.ReadPhys(buf+i, 1)
		if !ok {
			return negErrno(errFAULT)
		}
		out = append(out, byte(v))
	}
	_, _ = h.console.Write(out)
	return n
}
