package vmm

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/vcheck-dev/vcheck/impl/engine"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Events asks a VM to report what its control program does, as the
// actions of tla/VMM.tla, one JSON object per line in tla/'s trace format
// (tla/README.md, "Trace format"), so `vcheck tla trace` and
// internal/tlacheck can validate real runs against the spec.
//
// The VM's host is its own: CPU c<i+1> is physical hart i (vCPU i runs on
// it), the guest's RAM window is split into Regions equal regions r1..rN,
// and the host's guard (memory no one is given) is region r<N+1>, which
// the VM must never be able to touch. The actions:
//
//   - Create and Grant, when the VM is made (status, mem);
//   - Dispatch, before each physical run of a vCPU: run, and the mode and
//     the regions the physical hart's PMP lets U-mode code touch (prot),
//     both read back from the physical hart, not from the VMM's books;
//   - Trap, when the run ends in a VM exit (with the exit cause as _cause),
//     or Preempt, when it ends at its budget (the VMM's timer);
//   - Release and one Scrub per region, at Release.
//
// The VMM's own work between runs (emulating a step, injecting a virtual
// interrupt) happens with the CPU back in the VMM and logs nothing.
type Events struct {
	W       io.Writer
	VM      string // the VM's name in the model, e.g. "alice"
	Regions int    // the regions the VM asks for (0: 1)
}

type events struct {
	Events
	regions [][2]uint64 // host address ranges of r1..rN (the VM's) and r<N+1> (the guard)
	err     error       // the first write error; later events are dropped
}

func regionName(i int) string { return fmt.Sprintf("r%d", i+1) }
func cpuName(i int) string    { return fmt.Sprintf("c%d", i+1) }

// NewWithEvents is New, and the VM reports its actions to ev.W, from its
// Create and Grant on.
func NewWithEvents(cfg spec.Config, img *boot.Image, ev Events) (*VM, error) {
	vm, err := New(cfg, img)
	if err != nil {
		return nil, err
	}
	if err := vm.startEvents(ev); err != nil {
		return nil, err
	}
	return vm, nil
}

// emit writes one event: the action and its variables.
func (e *events) emit(action string, vars map[string]any) {
	if e == nil || e.err != nil {
		return
	}
	obj := map[string]any{"action": action}
	for k, v := range vars {
		obj[k] = v
	}
	b, err := json.Marshal(obj)
	if err == nil {
		b = append(b, '\n')
		_, err = e.W.Write(b)
	}
	if err != nil {
		e.err = fmt.Errorf("vmm: event log: %w", err)
	}
}

// startEvents checks ev against the VM and logs Create and Grant.
func (vm *VM) startEvents(ev Events) error {
	if ev.W == nil || ev.VM == "" {
		return fmt.Errorf("vmm: events need a writer and the VM's name")
	}
	n := ev.Regions
	if n <= 0 {
		n = 1
	}
	size := vm.cfg.RAM / uint64(n)
	if size == 0 || size%pageSize != 0 || size*uint64(n) != vm.cfg.RAM {
		return fmt.Errorf("vmm: %d bytes of guest RAM do not split into %d regions of whole pages", vm.cfg.RAM, n)
	}
	e := &events{Events: ev}
	e.Regions = n
	var names []string
	for i := range n {
		base := vm.lay.window + uint64(i)*size
		e.regions = append(e.regions, [2]uint64{base, base + size})
		names = append(names, regionName(i))
	}
	e.regions = append(e.regions, [2]uint64{vm.lay.guard, vm.lay.guard + guardPages*pageSize})
	vm.ev = e
	e.emit("Create", map[string]any{"status": map[string]string{ev.VM: "requested"}})
	e.emit("Grant", map[string]any{"status": map[string]string{ev.VM: "admitted"}, "mem": map[string][]string{ev.VM: names}})
	return e.err
}

// dispatch logs that vCPU v goes onto its physical hart.
func (e *events) dispatch(v *vcpu) {
	if e == nil {
		return
	}
	c := cpuName(v.id)
	mode := v.ph.Mode().String()
	e.emit("Dispatch", map[string]any{
		"run":  map[string]any{c: []any{e.VM, v.id + 1}},
		"mode": map[string]string{c: mode},
		"prot": map[string][]string{c: e.prot(v.ph)},
	})
}

// prot lists the regions the hart's PMP lets U-mode code load, store or
// fetch anywhere in.
func (e *events) prot(h *engine.Hart) []string {
	out := []string{}
	for i, r := range e.regions {
		for pa := r[0]; pa < r[1]; pa += pageSize {
			ok := false
			for _, k := range []engine.Access{engine.AccessLoad, engine.AccessStore, engine.AccessFetch} {
				if a, _ := h.PMPDecide(pa, pageSize, k, spec.ModeU); a {
					ok = true
				}
			}
			if ok {
				out = append(out, regionName(i))
				break
			}
		}
	}
	return out
}

// back logs that vCPU v's physical hart is back in the VMM: a Trap with
// the exit's cause, or a Preempt at the end of its budget.
func (e *events) back(v *vcpu, trapped bool, why string) {
	if e == nil {
		return
	}
	c := cpuName(v.id)
	vars := map[string]any{
		"run":  map[string]string{c: "Host"},
		"mode": map[string]string{c: "M"},
		"prot": map[string][]string{c: {}},
	}
	if trapped {
		vars["_cause"] = why
		e.emit("Trap", vars)
		return
	}
	e.emit("Preempt", vars)
}

// Release gives the VM's resources back: it stops (Exit says so) and will
// not run again, its shadow tables are released, and its RAM window is
// scrubbed (zeroed), region by region. With events it logs Release and
// one Scrub per region. It returns the first event-log error, if any.
func (vm *VM) Release() error {
	if vm.released {
		return nil
	}
	vm.released = true
	if vm.exit.Reason == spec.Running {
		vm.exit = spec.Exit{Reason: spec.HaltLimit, Code: -1, Detail: "vmm: the VM was released; it runs no more"}
	}
	vm.flushAll()
	var dirty []string
	if vm.ev != nil {
		for i := range vm.ev.Regions {
			dirty = append(dirty, regionName(i))
		}
		vm.ev.emit("Release", map[string]any{
			"status": map[string]string{vm.ev.VM: "released"},
			"mem":    map[string][]string{vm.ev.VM: {}},
			"dirty":  dirty,
		})
	}
	ranges := [][2]uint64{{vm.lay.window, vm.lay.window + vm.lay.guestRAM}}
	if vm.ev != nil {
		ranges = vm.ev.regions[:vm.ev.Regions]
	}
	for i, r := range ranges {
		mem, err := vm.host.PhysMem(r[0], r[1]-r[0])
		if err != nil {
			return fmt.Errorf("vmm: %w", err)
		}
		clear(mem)
		vm.host.Invalidate(r[0], r[1]-r[0])
		if vm.ev != nil {
			left := append([]string{}, dirty[i+1:]...)
			sort.Strings(left)
			vm.ev.emit("Scrub", map[string]any{"dirty": left})
		}
	}
	if vm.ev != nil {
		return vm.ev.err
	}
	return nil
}
