package diff

import "github.com/vcheck-dev/vcheck/spec"

// SameState reports whether two states are equal where go-cmp would find
// no difference, cheaply: the comparisons after every run-mode checkpoint
// and every generated program call it before cmp.Diff, which sorts map
// keys by reflection to print a difference nobody reads when there is
// none. false means "maybe different": cmp.Diff decides (it tells a nil
// CSR map from an empty one, which SameState leaves to it).
func SameState(a, b spec.ArchState) bool {
	if a.Hart != b.Hart || a.PC != b.PC || a.Mode != b.Mode || a.X != b.X {
		return false
	}
	if (a.CSRs == nil) != (b.CSRs == nil) || len(a.CSRs) != len(b.CSRs) {
		return false
	}
	for k, v := range a.CSRs {
		if w, ok := b.CSRs[k]; !ok || w != v {
			return false
		}
	}
	return true
}
