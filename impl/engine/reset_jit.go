//go:build amd64 && linux && !race

package engine

import "syscall"

// reuse makes the arena hand out its memory from the start again (Reset):
// no block compiled before is reachable any more. It keeps the first
// chunk and unmaps the others. A nil arena (nothing compiled yet) has
// nothing to do.
func (a *jitArena) reuse() {
	if a == nil {
		return
	}
	for _, c := range a.chunks[min(len(a.chunks), 1):] {
		syscall.Munmap(c)
	}
	clear(a.chunks[min(len(a.chunks), 1):])
	a.chunks = a.chunks[:min(len(a.chunks), 1)]
	a.used = 0
	a.total = len(a.chunks) * jitChunk
}
