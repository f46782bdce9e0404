package main

import (
	"fmt"
	"strings"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// vmmCheck is what `vcheck check` found of the VMM (its --json "vmm").
type vmmCheck struct {
	// Programs and Compared: the second pass (the VMM against --a), when
	// --b is not the VMM itself.
	Programs    []checkProgram `json:"programs,omitempty"`
	Compared    uint64         `json:"records_compared"`
	Equivalence string         `json:"equivalence"` // holds, fails, interrupted
	// The audit (impl/vmm, VM.Audit) of every VM before and after its
	// program: shadow tables inside the guest, host memory outside it and
	// the physical protection unchanged.
	Audit         string   `json:"audit"` // holds, fails
	AuditFailures []string `json:"audit_failures"`
	// Efficiency, summed over the programs: guest instructions retired
	// directly and by emulation, and the VM exits by cause.
	Direct      uint64            `json:"direct"`
	Emulated    uint64            `json:"emulated"`
	DirectShare float64           `json:"direct_share"`
	Exits       map[string]uint64 `json:"exits"`
}

// vmmMeter audits the VMs a check creates and sums their counters.
type vmmMeter struct {
	check         *vmmCheck // the second pass, when there is one
	failed        int       // its programs that did not agree
	vm            *vmm.VM   // the VM of the program running
	before        vmm.Audit
	auditErr      error
	audited       int
	auditFailures []string
	stats         vmm.Stats
}

// factory wraps the vmm target's factory: each VM is audited at reset.
func (m *vmmMeter) factory(f targets.Factory) targets.Factory {
	return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
		t, err := f(cfg, img)
		if vm, ok := t.(*vmm.VM); ok && err == nil {
			m.vm = vm
			m.before, m.auditErr = vm.Audit()
		}
		return t, err
	}
}

// after audits the program's VM again and adds up its counters.
func (m *vmmMeter) after(path string) {
	if m == nil || m.vm == nil {
		return
	}
	vm := m.vm
	m.vm = nil
	a, err := vm.Audit()
	switch {
	case m.auditErr != nil:
		err = m.auditErr
	case err == nil && a.Outside != m.before.Outside:
		err = fmt.Errorf("host memory outside the VM changed")
	case err == nil && a.Harts != m.before.Harts:
		err = fmt.Errorf("the physical harts' protection changed")
	}
	m.audited++
	if err != nil {
		m.auditFailures = append(m.auditFailures, path+": "+err.Error())
	}
	st := vm.Stats()
	m.stats.Direct += st.Direct
	m.stats.Emulated += st.Emulated
	for c, n := range st.Exits {
		m.stats.Exits[c] += n
	}
}

// verdict is the VMM's part of the --json output.
func (m *vmmMeter) verdict(a string, interrupted bool) *vmmCheck {
	c := m.check
	if c == nil {
		c = &vmmCheck{}
	}
	switch {
	case m.failed > 0:
		c.Equivalence = "fails"
	case interrupted:
		c.Equivalence = "interrupted"
	default:
		c.Equivalence = "holds"
	}
	c.Audit, c.AuditFailures = "holds", append([]string{}, m.auditFailures...)
	if len(m.auditFailures) > 0 {
		c.Audit = "fails"
	}
	c.Direct, c.Emulated, c.DirectShare = m.stats.Direct, m.stats.Emulated, m.stats.DirectShare()
	c.Exits = map[string]uint64{}
	for _, k := range m.stats.Causes() {
		c.Exits[k.String()] = m.stats.Exits[k]
	}
	return c
}

// lines are the Resource control and Efficiency lines of the summary.
func (m *vmmMeter) lines() (resource, efficiency string) {
	resource = fmt.Sprintf("HOLDS on %d programs: the VMM's audit found every shadow leaf inside its VM, and host memory outside the VM and the physical protection unchanged; `vcheck tla` model-checks tla/VMM.tla", m.audited)
	if n := len(m.auditFailures); n > 0 {
		resource = fmt.Sprintf("FAILS on %d of %d programs: %s", n, m.audited, strings.Join(m.auditFailures, "; "))
	}
	st := m.stats
	efficiency = st.String() + " (vmm, summed over the corpus, whose programs probe privileged instructions on purpose; compute-bound guests: vcheck bench)"
	return resource, efficiency
}
