package pg

import (
	"github.com/vcheck-dev/vcheck/internal/jsonout"
)

// ReportJSON is the JSON form of a Report, what `vcheck pg --json`
// writes (docs/cli.md has the schema): snake_case names, classes and modes
// as strings, 64-bit values as strings (internal/jsonout).
type ReportJSON struct {
	Variant    string       `json:"variant"`
	Samples    int          `json:"samples"`
	Seed       jsonout.Dec  `json:"seed"`
	Subjects   int          `json:"subjects"`
	States     int          `json:"states_tried"`
	Seconds    float64      `json:"seconds"`
	Groups     []GroupJSON  `json:"groups"`
	Results    []ResultJSON `json:"results"`
	Theorem1   TheoremJSON  `json:"theorem1"`
	Theorem3   TheoremJSON  `json:"theorem3"`
	Mismatches int          `json:"unexplained_mismatches"`
}

// GroupJSON is one row of the summary table.
type GroupJSON struct {
	Name          string `json:"name"`
	Forms         int    `json:"forms"`
	Declared      string `json:"declared"`
	Observed      string `json:"observed"`
	States        int    `json:"states_tried"`
	NoFetch       int    `json:"no_fetch"`
	InScopeU      int    `json:"in_scope_u"`
	InScopeUTraps int    `json:"in_scope_u_illegal"`
	Control       int    `json:"control_witnesses"`
	Behavior      int    `json:"behavior_witnesses"`
	Explained     int    `json:"explained"`
	Mismatches    int    `json:"unexplained"`
	AlwaysTraps   int    `json:"always_trap"`
}

// ResultJSON is what the analysis found for one instruction form.
type ResultJSON struct {
	Form              string         `json:"form"`
	Group             string         `json:"group"`
	CSR               *jsonout.Hex   `json:"csr,omitempty"`
	Declared          string         `json:"declared"`
	Observed          string         `json:"observed"`
	Runs              map[string]int `json:"runs"`  // by mode: "M", "S", "U"
	Traps             map[string]int `json:"traps"` // by mode
	InScopeU          int            `json:"in_scope_u"`
	InScopeUIllegal   int            `json:"in_scope_u_illegal"`
	OutOfScopeUNoTrap int            `json:"out_of_scope_u_no_trap"`
	OutOfScopeExample *WitnessJSON   `json:"out_of_scope_example,omitempty"`
	NoFetch           int            `json:"no_fetch"`
	Privileged        bool           `json:"privileged"`
	AlwaysTraps       bool           `json:"always_traps"`
	Control           int            `json:"control_witnesses"`
	Behavior          int            `json:"behavior_witnesses"`
	UserSensitive     bool           `json:"user_sensitive"`
	Witnesses         []WitnessJSON  `json:"witnesses"`
	Explanation       string         `json:"explanation,omitempty"`
	Mismatch          bool           `json:"mismatch"`
}

// WitnessJSON is evidence that a form is sensitive: one state (control)
// or two (mode, relocation) and the effects the instruction had there.
type WitnessJSON struct {
	Kind    string      `json:"kind"`
	Insn    jsonout.Hex `json:"insn"`
	A       StateJSON   `json:"a"`
	B       *StateJSON  `json:"b,omitempty"`
	EffectA EffectJSON  `json:"effect_a"`
	EffectB *EffectJSON `json:"effect_b,omitempty"`
	Detail  string      `json:"detail"`
}

// StateJSON is a machine state a probe starts in.
type StateJSON struct {
	Mode       string        `json:"mode"`
	Reloc      int           `json:"reloc"`
	Regs       []jsonout.Hex `json:"regs"`
	Mstatus    jsonout.Hex   `json:"mstatus"`
	Sv39       bool          `json:"sv39"`
	ASID       int           `json:"asid"`
	CodePTE    jsonout.Hex   `json:"code_pte"`
	DataPTE    []jsonout.Hex `json:"data_pte"`
	PMP        string        `json:"pmp"` // the PMP layout: "all", "data" or "code"
	PMPPerm    jsonout.Hex   `json:"pmp_perm"`
	Mcounteren jsonout.Hex   `json:"mcounteren"`
	Scounteren jsonout.Hex   `json:"scounteren"`
	Mie        jsonout.Hex   `json:"mie"`
	Mideleg    jsonout.Hex   `json:"mideleg"`
	Mscratch   jsonout.Hex   `json:"mscratch"`
	Sscratch   jsonout.Hex   `json:"sscratch"`
	DataSeed   jsonout.Dec   `json:"data_seed"`
}

// EffectJSON is the visible effect of one execution.
type EffectJSON struct {
	Trap     *jsonout.Trap     `json:"trap,omitempty"`
	Rd       *jsonout.RegWrite `json:"rd,omitempty"`
	Mem      *jsonout.Mem      `json:"mem,omitempty"`
	CSR      *jsonout.CSRWrite `json:"csr,omitempty"`
	NextPC   jsonout.Hex       `json:"next_pc"`
	ModeStep string            `json:"mode_step,omitempty"` // the mode it switched to
	Changed  string            `json:"changed"`             // CSRs that changed, name=value, sorted
}

// TheoremJSON is a verdict with its offenders.
type TheoremJSON struct {
	Name      string   `json:"name"`
	Statement string   `json:"statement"`
	Holds     bool     `json:"holds"`
	Offenders []string `json:"offenders"`
}

// pmpLayoutNames names the PMP layouts of State.PMP.
var pmpLayoutNames = [numPMPLayouts]string{PMPAll: "all", PMPData: "data", PMPCode: "code"}

// JSON returns the report's JSON form.
func (rep *Report) JSON() ReportJSON {
	j := ReportJSON{Variant: rep.Variant, Samples: rep.Samples, Seed: jsonout.Dec(rep.Seed), Subjects: rep.Subjects,
		States: rep.States, Seconds: rep.Elapsed.Seconds(), Groups: []GroupJSON{}, Results: []ResultJSON{},
		Theorem1: theoremJSON(rep.Theorem1), Theorem3: theoremJSON(rep.Theorem3), Mismatches: rep.Mismatches}
	for _, g := range rep.Groups() {
		j.Groups = append(j.Groups, GroupJSON{Name: g.Name, Forms: g.Forms, Declared: g.Declared.String(), Observed: g.Observed.String(),
			States: g.States, NoFetch: g.NoFetch, InScopeU: g.InScopeU, InScopeUTraps: g.InScopeUTraps, Control: g.Control,
			Behavior: g.Behavior, Explained: g.Explained, Mismatches: g.Mismatches, AlwaysTraps: g.AlwaysTraps})
	}
	for _, r := range rep.Results {
		rj := ResultJSON{Form: r.Subject.Name, Group: r.Subject.Group, Declared: r.Declared.String(), Observed: r.Observed.String(),
			Runs: r.Runs, Traps: r.Traps, InScopeU: r.InScopeU, InScopeUIllegal: r.InScopeUIllegal, OutOfScopeUNoTrap: r.OutOfScopeUNoTrap,
			NoFetch: r.NoFetch, Privileged: r.Privileged, AlwaysTraps: r.AlwaysTraps, Control: r.Control, Behavior: r.Behavior,
			UserSensitive: r.UserSensitive, Witnesses: []WitnessJSON{}, Explanation: r.Explanation, Mismatch: r.Mismatch}
		if r.Subject.HasCSR {
			c := jsonout.Hex(r.Subject.CSR)
			rj.CSR = &c
		}
		if r.OutOfScopeExample != nil {
			w := witnessJSON(r.OutOfScopeExample)
			rj.OutOfScopeExample = &w
		}
		for i := range r.Witnesses {
			rj.Witnesses = append(rj.Witnesses, witnessJSON(&r.Witnesses[i]))
		}
		j.Results = append(j.Results, rj)
	}
	return j
}

func theoremJSON(t Theorem) TheoremJSON {
	j := TheoremJSON(t)
	if j.Offenders == nil {
		j.Offenders = []string{}
	}
	return j
}

func witnessJSON(w *Witness) WitnessJSON {
	j := WitnessJSON{Kind: w.Kind, Insn: jsonout.Hex(w.Word), A: stateJSON(&w.A), EffectA: effectJSON(&w.EffectA), Detail: w.Detail}
	if w.B != nil {
		b := stateJSON(w.B)
		j.B = &b
	}
	if w.EffectB != nil {
		e := effectJSON(w.EffectB)
		j.EffectB = &e
	}
	return j
}

func stateJSON(s *State) StateJSON {
	j := StateJSON{Mode: s.Mode.String(), Reloc: s.Reloc, Regs: make([]jsonout.Hex, 32), Mstatus: jsonout.Hex(s.Mstatus),
		Sv39: s.Sv39, ASID: int(s.ASID), CodePTE: jsonout.Hex(s.CodePTE),
		DataPTE: []jsonout.Hex{jsonout.Hex(s.DataPTE[0]), jsonout.Hex(s.DataPTE[1])}, PMPPerm: jsonout.Hex(s.PMPPerm),
		Mcounteren: jsonout.Hex(s.Mcounter), Scounteren: jsonout.Hex(s.Scounter), Mie: jsonout.Hex(s.Mie),
		Mideleg: jsonout.Hex(s.Mideleg), Mscratch: jsonout.Hex(s.Mscratch), Sscratch: jsonout.Hex(s.Sscratch),
		DataSeed: jsonout.Dec(s.DataSeed)}
	for i, r := range s.Regs {
		j.Regs[i] = jsonout.Hex(r)
	}
	if s.PMP >= 0 && s.PMP < len(pmpLayoutNames) {
		j.PMP = pmpLayoutNames[s.PMP]
	}
	return j
}

func effectJSON(e *Effect) EffectJSON {
	return EffectJSON{Trap: jsonout.TrapOf(e.Trap), Rd: jsonout.RegWriteOf(e.Rd), Mem: jsonout.MemOf(e.Mem), CSR: jsonout.CSRWriteOf(e.CSR),
		NextPC: jsonout.Hex(e.NextPC), ModeStep: e.ModeStep, Changed: e.Changed}
}
