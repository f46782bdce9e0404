//go:build amd64 && linux && !race

package engine

import (
	"runtime"
	"syscall"
	"unsafe"
)

// callJIT runs compiled code (jit_amd64.s) with RDI = h and R15 = left,
// and leaves what is left of the budget in h.jctx.left.
//
//go:noescape
func callJIT(code uintptr, h *Hart, left uint64)

func init() {
	var h Hart
	c := unsafe.Offsetof(h.jctx)
	jitOffsets.x = int32(unsafe.Offsetof(h.x))
	jitOffsets.base = int32(c + unsafe.Offsetof(h.jctx.base))
	jitOffsets.gen = int32(c + unsafe.Offsetof(h.jctx.gen))
	jitOffsets.loadTLB = int32(c + unsafe.Offsetof(h.jctx.loadTLB))
	jitOffsets.storeTLB = int32(c + unsafe.Offsetof(h.jctx.storeTLB))
	jitOffsets.n = int32(c + unsafe.Offsetof(h.jctx.n))
	jitOffsets.next = int32(c + unsafe.Offsetof(h.jctx.next))
	jitOffsets.left = int32(c + unsafe.Offsetof(h.jctx.left))
	jitOffsets.blocks = int32(c + unsafe.Offsetof(h.jctx.blocks))
	jitOffsets.cur = int32(c + unsafe.Offsetof(h.jctx.cur))
	var b block
	jitOffsets.blkLen = int32(unsafe.Offsetof(b.insts) + unsafe.Sizeof(uintptr(0))) // a slice is {data, len, cap}
	jitOffsets.blkCode = int32(unsafe.Offsetof(b.jit) + unsafe.Offsetof(b.jit.code))
	if unsafe.Sizeof(tlbEntry{}) != 16 || unsafe.Offsetof(tlbEntry{}.host) != 8 {
		panic("engine: the compiled TLB lookup assumes 16-byte entries {tag, host}")
	}
}

// jitRAMAddr is the host address of RAM, for the TLB entries compiled
// code reads (tlbEntry.host). RAM is never moved: Go's heap does not move
// objects, and a VMM's borrowed RAM is pinned by its owner.
func jitRAMAddr(ram []byte) uint64 {
	if len(ram) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&ram[0])))
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
