//go:build !(amd64 && linux) || race

package engine

// Without a translator for this host, blocks are only interpreted; so
// they are under the race detector, which cannot see the memory accesses
// of compiled code.

const jitSupported = false

type jitArena struct{}

func jitTranslate(*block) []byte { return nil }

func (m *Machine) jitInstall([]byte) uintptr { return 0 }

func callJIT(uintptr, *Hart, uint64) { panic("engine: no compiled code on this host") }

func jitRAMAddr([]byte) uint64 { return 0 }
