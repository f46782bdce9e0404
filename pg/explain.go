package pg

import (
	"slices"

	"github.com/vcheck-dev/vcheck/spec"
)

// Explanation is a known, reasoned difference between a declared class
// (spec.Insts, spec.CSRs) and the observed one. `vcheck pg` prints the
// ones it used; a mismatch no entry explains fails TestDeclaredClasses
// and makes `vcheck pg` exit 1.
type Explanation struct {
	Variants []spec.Variant // the variants it applies to
	Subjects string         // which subjects, in words
	Match    func(r *Result) bool
	Declared spec.Class
	Observed []spec.Class
	Reason   string
}

// readOnlyCSR reports whether r's subject is a Zicsr form on a read-only CSR.
func readOnlyCSR(r *Result) bool {
	for _, c := range spec.CSRs {
		if r.Subject.HasCSR && c.Addr == r.Subject.CSR {
			return c.ReadOnly
		}
	}
	return false
}

// Explanations is the table of known differences.
var Explanations = []Explanation{
	{
		Variants: []spec.Variant{spec.VariantRV64PG, spec.VariantPOPF},
		Subjects: "csrrw, csrrwi on a read-only CSR (cycle, time, instret, mvendorid, marchid, mimpid, mhartid, mconfigptr)",
		Match: func(r *Result) bool {
			return (r.Subject.Inst.Name == "csrrw" || r.Subject.Inst.Name == "csrrwi") && readOnlyCSR(r) && r.AlwaysTraps
		},
		Declared: spec.Privileged,
		Observed: []spec.Class{spec.Innocuous},
		Reason: "csrrw/csrrwi always write, and writing a read-only CSR is illegal at every level, M included " +
			"(Priv. 1.12 §2.1): the form traps in every mode, like ecall, so it is neither privileged in P&G's " +
			"sense (no mode runs it) nor sensitive. The CSR's declared class is honored by its reads " +
			"(csrrs/csrrc x0). Harmless to Theorem 1.",
	},
	{
		Variants: []spec.Variant{spec.VariantPOPF},
		Subjects: "every Zicsr form on sstatus and mstatus",
		Match: func(r *Result) bool {
			return r.Subject.HasCSR && (r.Subject.CSR == spec.CSRSstatus || r.Subject.CSR == spec.CSRMstatus)
		},
		Declared: spec.Privileged,
		Observed: []spec.Class{spec.ControlSensitive, spec.BehaviorSensitive, spec.Innocuous},
		Reason: "by design of the popf variant (docs/pg.md): U-mode accesses to sstatus/mstatus no longer trap; " +
			"reads return the sstatus view, writes change the sstatus-writable bits except SIE (as POPF " +
			"drops IF). So no form is privileged any more, and the forms that write are sensitive: " +
			"control-sensitive (SPP, SPIE, SUM, MXR change in U without a trap) and behavior-sensitive " +
			"(the same write sets SIE in S or M, not in U); pure reads of mstatus are behavior-sensitive " +
			"(M sees the whole register, U the sstatus view).",
	},
}

// explain marks r's mismatch as explained or not.
func explain(v spec.Variant, r *Result) {
	if r.Declared == r.Observed {
		return
	}
	for _, e := range Explanations {
		if slices.Contains(e.Variants, v) && e.Declared == r.Declared && slices.Contains(e.Observed, r.Observed) && e.Match(r) {
			r.Explanation = e.Subjects
			return
		}
	}
	r.Mismatch = true
}

// ExplanationFor returns the entry whose Subjects is name.
func ExplanationFor(name string) (Explanation, bool) {
	for _, e := range Explanations {
		if e.Subjects == name {
			return e, true
		}
	}
	return Explanation{}, false
}
