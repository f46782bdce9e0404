package pg

import "github.com/vcheck-dev/vcheck/spec"

// Explanation is a known, reasoned difference between a declared class
// and the observed one.
type Explanation struct {
	Variant  spec.Variant // the variant it applies to
	Subjects string       // which subjects, in words
	Match    func(r *Result) bool
	Declared spec.Class
	Observed spec.Class
	Reason   string
}

// Explanations is the table `vcheck pg` shows.
var Explanations = []Explanation{}

// explain marks r's mismatch as explained or not.
func explain(v spec.Variant, r *Result) {
	if r.Declared == r.Observed {
		return
	}
	for _, e := range Explanations {
		if e.Variant == v && e.Declared == r.Declared && e.Observed == r.Observed && e.Match(r) {
			r.Explanation = e.Reason
			return
		}
	}
	r.Mismatch = true
}
