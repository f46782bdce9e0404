package pg

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/vcheck-dev/vcheck/spec"
)

// Group is one row of the summary: the subjects of one group with the
// same declared and observed class.
type Group struct {
	Name          string
	Forms         int
	Declared      spec.Class
	Observed      spec.Class
	States        int
	NoFetch       int
	InScopeU      int // U-mode runs in the VMM's configuration
	InScopeUTraps int // those that trapped as illegal instructions
	Control       int
	Behavior      int
	Explained     int
	Mismatches    int
	AlwaysTraps   int
}

// Groups summarizes the report, in the order subjects first appear.
func (rep *Report) Groups() []Group {
	type key struct {
		name string
		d, o spec.Class
	}
	idx := map[key]int{}
	var out []Group
	uIll, uAll := map[int]int{}, map[int]int{}
	for _, r := range rep.Results {
		k := key{r.Subject.Group, r.Declared, r.Observed}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Group{Name: k.name, Declared: k.d, Observed: k.o})
		}
		g := &out[i]
		g.Forms++
		for _, n := range r.Runs {
			g.States += n
		}
		g.NoFetch += r.NoFetch
		uIll[i] += r.InScopeUIllegal
		uAll[i] += r.InScopeU
		g.Control += r.Control
		g.Behavior += r.Behavior
		if r.Explanation != "" {
			g.Explained++
		}
		if r.Mismatch {
			g.Mismatches++
		}
		if r.AlwaysTraps {
			g.AlwaysTraps++
		}
	}
	names := map[string]int{}
	for i := range out {
		out[i].InScopeUTraps, out[i].InScopeU = uIll[i], uAll[i]
		names[out[i].Name]++
	}
	// Subjects of one group whose classes differ (a --declare override,
	// or forms that behave apart) make rows of the same name: name them
	// apart by their classes.
	for i := range out {
		if names[out[i].Name] > 1 {
			out[i].Name = fmt.Sprintf("%s [declared %v, observed %v]", out[i].Name, out[i].Declared, out[i].Observed)
		}
	}
	return out
}

// WriteText writes the summary table, the verdicts with their offenders
// and witnesses, the explanations used and the out-of-scope observations.
// With all, every subject gets its own row.
func (rep *Report) WriteText(w io.Writer, all bool) {
	fmt.Fprintf(w, "P&G analysis of %s on refmodel: %d instruction forms, %d states tried (%d base states each, seed %d), %s\n\n",
		rep.Variant, rep.Subjects, rep.States, rep.Samples, rep.Seed, rep.Elapsed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "group\tforms\tdeclared\tobserved\tstates\tU illegal (in scope)\tcontrol wit.\tbehavior wit.\tnote")
	for _, g := range rep.Groups() {
		note := ""
		switch {
		case g.Mismatches > 0:
			note = fmt.Sprintf("MISMATCH (%d unexplained)", g.Mismatches)
		case g.Explained > 0:
			note = "explained"
		}
		if g.AlwaysTraps == g.Forms {
			note = strings.TrimSpace("traps in every mode " + note)
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%d\t%d/%d\t%d\t%d\t%s\n", g.Name, g.Forms, g.Declared, g.Observed,
			g.States, g.InScopeUTraps, g.InScopeU, g.Control, g.Behavior, note)
	}
	tw.Flush()
	if all {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "form\tdeclared\tobserved\truns M/S/U\ttraps M/S/U\tU illegal (in scope)\tcontrol\tbehavior\tuser-sens.\tnote")
		for _, r := range rep.Results {
			note := r.Explanation
			if r.Mismatch {
				note = "MISMATCH"
			}
			fmt.Fprintf(tw, "%s\t%v\t%v\t%d/%d/%d\t%d/%d/%d\t%d/%d\t%d\t%d\t%v\t%s\n", r.Subject.Name, r.Declared, r.Observed,
				r.Runs["M"], r.Runs["S"], r.Runs["U"], r.Traps["M"], r.Traps["S"], r.Traps["U"],
				r.InScopeUIllegal, r.InScopeU, r.Control, r.Behavior, r.UserSensitive, note)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	for _, th := range []Theorem{rep.Theorem1, rep.Theorem3} {
		verdict := "HOLDS"
		if !th.Holds {
			verdict = "FAILS"
		}
		fmt.Fprintf(w, "%s (%s): %s\n", th.Name, th.Statement, verdict)
		for _, name := range th.Offenders {
			r := rep.result(name)
			fmt.Fprintf(w, "  offender %s: observed %v, %d control and %d behavior witnesses, U-mode (in scope) illegal %d/%d\n",
				name, r.Observed, r.Control, r.Behavior, r.InScopeUIllegal, r.InScopeU)
			// Up to two witnesses of each kind; for Theorem 3 only those
			// entirely in U-mode, which are what make a form user-sensitive.
			shown := map[string]int{}
			for _, wit := range r.Witnesses {
				if shown[wit.Kind] < 2 && (th.Name != rep.Theorem3.Name || wit.UserLevel()) {
					fmt.Fprintf(w, "    %s\n", wit.Summary())
					shown[wit.Kind]++
				}
			}
		}
	}
	used := map[string]int{}
	for _, r := range rep.Results {
		if r.Explanation != "" {
			used[r.Explanation]++
		}
	}
	if len(used) > 0 {
		fmt.Fprintln(w, "\nExplained differences from the declared classes:")
		names := make([]string, 0, len(used))
		for n := range used {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			e, _ := ExplanationFor(n)
			fmt.Fprintf(w, "  %s (%d forms): declared %v, observed %v: %s\n", n, used[n], e.Declared, observedOf(rep, n), e.Reason)
		}
	}
	var oos []*Result
	for _, r := range rep.Results {
		if r.OutOfScopeUNoTrap > 0 && r.Privileged {
			oos = append(oos, r)
		}
	}
	if len(oos) > 0 {
		fmt.Fprintln(w, "\nPrivileged in scope, but out of scope (U-mode with counters enabled, which the VMM never configures) did not trap:")
		for _, r := range oos {
			fmt.Fprintf(w, "  %s: %d runs, e.g. %s\n", r.Subject.Name, r.OutOfScopeUNoTrap, r.OutOfScopeExample.Summary())
		}
	}
	if rep.Mismatches > 0 {
		fmt.Fprintf(w, "\n%d forms: observed class differs from the declared one, unexplained:\n", rep.Mismatches)
		for _, r := range rep.Results {
			if r.Mismatch {
				fmt.Fprintf(w, "  %s: declared %v, observed %v\n", r.Subject.Name, r.Declared, r.Observed)
			}
		}
	}
}

func observedOf(rep *Report, expl string) string {
	seen := map[spec.Class]bool{}
	var out []string
	for _, r := range rep.Results {
		if r.Explanation == expl && !seen[r.Observed] {
			seen[r.Observed] = true
			out = append(out, r.Observed.String())
		}
	}
	return strings.Join(out, "/")
}

func (rep *Report) result(name string) *Result {
	for _, r := range rep.Results {
		if r.Subject.Name == name {
			return r
		}
	}
	return nil
}

// Summary is a witness on one line.
func (w *Witness) Summary() string {
	s := fmt.Sprintf("%s witness, insn %#x: %s; %v state: %s", w.Kind, w.Word, w.Detail, w.A.Mode, w.EffectA)
	if w.B != nil {
		s += fmt.Sprintf(" | %v state (reloc %d): %s", w.B.Mode, w.B.Reloc, w.EffectB)
	}
	return s
}
