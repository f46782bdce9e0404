package engine

import (
	"runtime"
	"sync"

	"github.com/vcheck-dev/vcheck/spec"
)

// RunParallel runs every hart on its own goroutine, each for up to limit
// steps or until the machine halts, and returns how the machine stopped.
//
// The harts share RAM, the code cache and the devices. A hart holds the
// machine lock while it runs a quantum of steps, so all shared state is
// only ever touched by one goroutine at a time (the design is race-free,
// and `go test -race` checks it). The interleaving follows the Go
// scheduler, so unlike Run and Step the trace is not deterministic.
func (m *Machine) RunParallel(limit, quantum uint64) spec.Exit {
	if quantum == 0 {
		quantum = 1000
	}
	var wg sync.WaitGroup
	for _, h := range m.Harts {
		wg.Add(1)
		go func(h *Hart) {
			defer wg.Done()
			for done := uint64(0); done < limit; {
				m.mu.Lock()
				if m.halted {
					m.mu.Unlock()
					return
				}
				if mutantOn(m, mutParallelNoIRQ) { // MUTANT HOOK (mutant.go)
					done += h.loop(min(quantum, limit-done))
				} else {
					done += h.run(min(quantum, limit-done), false)
				}
				m.mu.Unlock()
				runtime.Gosched()
			}
		}(h)
	}
	wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.exit
}
