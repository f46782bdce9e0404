//go:build !(amd64 && linux) || race

package engine

// reuse: without a compiler there is no executable memory to reuse.
func (a *jitArena) reuse() {}
