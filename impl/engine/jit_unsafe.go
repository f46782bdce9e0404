//go:build amd64 && linux && !race

package engine

import (
	"runtime"
	"syscall"
	"unsafe"
)

// callJIT runs compiled code (jit_amd64.s) with RDI = x and RSI = ctx.
//
//go:noescape
func callJIT(code uintptr, x *[256]uint64, ctx *jitCtx)

func init() {
	var c jitCtx
	jitOffsets.base = int32(unsafe.Offsetof(c.base))
	jitOffsets.gen = int32(unsafe.Offsetof(c.gen))
	jitOffsets.loadTLB = int32(unsafe.Offsetof(c.loadTLB))
	jitOffsets.storeTLB = int32(unsafe.Offsetof(c.storeTLB))
	jitOffsets.ram = int32(unsafe.Offsetof(c.ram))
	jitOffsets.n = int32(unsafe.Offsetof(c.n))
	jitOffsets.next = int32(unsafe.Offsetof(c.next))
	jitOffsets.left = int32(unsafe.Offsetof(c.left))
	jitOffsets.blocks = int32(unsafe.Offsetof(c.blocks))
	jitOffsets.cur = int32(unsafe.Offsetof(c.cur))
	var b block
	jitOffsets.blkLen = int32(unsafe.Offsetof(b.insts) + unsafe.Sizeof(uintptr(0))) // a slice is {data, len, cap}
	jitOffsets.blkCode = int32(unsafe.Offsetof(b.jit) + unsafe.Offsetof(b.jit.code))
	if unsafe.Sizeof(tlbEntry{}) != 16 || unsafe.Offsetof(tlbEntry{}.off) != 8 {
		panic("engine: the compiled TLB lookup assumes 16-byte entries {tag, off}")
	}
}

// jitSupported: this build can compile blocks.
const jitSupported = true

// jitArena is a machine's executable memory: mmap'd chunks, unmapped when
// the machine is garbage.
type jitArena struct {
	chunks [][]byte
	used   int // bytes used of the last chunk
	total  int
	failed bool // mmap refused (e.g. a policy forbids executable memory)
}

const jitChunk = 1 << 20

// jitInstall copies code into executable memory and returns its address,
// or 0 when there is no room (then the block stays interpreted).
func (m *Machine) jitInstall(code []byte) uintptr {
	a := m.jitMem
	if a == nil {
		a = &jitArena{}
		m.jitMem = a
		runtime.AddCleanup(m, func(a *jitArena) { a.free() }, a)
	}
	if a.failed || len(code) > jitChunk {
		return 0
	}
	if len(a.chunks) == 0 || a.used+len(code) > jitChunk {
		if a.total+jitChunk > jitMaxCode {
			return 0
		}
		mem, err := syscall.Mmap(-1, 0, jitChunk, syscall.PROT_READ|syscall.PROT_WRITE|syscall.PROT_EXEC, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			a.failed = true
			m.jitOn = false
			return 0
		}
		a.chunks = append(a.chunks, mem)
		a.used = 0
		a.total += jitChunk
	}
	c := a.chunks[len(a.chunks)-1]
	at := copy(c[a.used:], code)
	p := uintptr(unsafe.Pointer(&c[a.used]))
	a.used += (at + 15) &^ 15
	return p
}

func (a *jitArena) free() {
	for _, c := range a.chunks {
		syscall.Munmap(c)
	}
	a.chunks = nil
}
