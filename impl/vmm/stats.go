package vmm

import (
	"fmt"
	"sort"
	"strings"
)

// Stats are a VM's efficiency counters (P&G's third condition, measured).
type Stats struct {
	Direct     uint64            // guest instructions retired directly on the physical hart
	Emulated   uint64            // guest instructions retired by emulation (after an exit)
	GuestTraps uint64            // exceptions the guest took (all emulated: delivered by the VMM)
	Interrupts uint64            // interrupts the guest took (injected at the bare machine's boundary)
	Exits      map[string]uint64 // VM exits by cause
	Fills      uint64            // shadow entries filled
	Switches   uint64            // shadow context switches (physical satp writes)
	Flushes    uint64            // shadow flushes (page-table writes, PMP writes, pool exhausted)
	PTWrites   uint64            // writes to tracked guest page-table pages
}

func (s *Stats) exit(why string) {
	if s.Exits == nil {
		s.Exits = map[string]uint64{}
	}
	s.Exits[why]++
}

// Stats returns a copy of the VM's counters.
func (vm *VM) Stats() Stats {
	s := vm.stats
	s.Exits = map[string]uint64{}
	for k, v := range vm.stats.Exits {
		s.Exits[k] = v
	}
	return s
}

// Retired is every guest instruction retired.
func (s Stats) Retired() uint64 { return s.Direct + s.Emulated }

// ExitCount is the number of VM exits.
func (s Stats) ExitCount() uint64 {
	var n uint64
	for _, v := range s.Exits {
		n += v
	}
	return n
}

// DirectShare is the share of retired guest instructions that ran
// directly (0..1).
func (s Stats) DirectShare() float64 {
	if s.Retired() == 0 {
		return 0
	}
	return float64(s.Direct) / float64(s.Retired())
}

// Causes lists the exit causes, most frequent first.
func (s Stats) Causes() []string {
	var out []string
	for k := range s.Exits {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if s.Exits[out[i]] != s.Exits[out[j]] {
			return s.Exits[out[i]] > s.Exits[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// String is a one-paragraph report: the direct share, the emulated count
// and the exits per million guest instructions by cause.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.4f%% of %d guest instructions executed directly, %d emulated; %d exits",
		100*s.DirectShare(), s.Retired(), s.Emulated, s.ExitCount())
	if r := s.Retired(); r > 0 && len(s.Exits) > 0 {
		var parts []string
		for _, k := range s.Causes() {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, float64(s.Exits[k])*1e6/float64(r)))
		}
		fmt.Fprintf(&b, " (per million guest instructions: %s)", strings.Join(parts, ", "))
	}
	return b.String()
}
