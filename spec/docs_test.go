package spec

import (
	"fmt"
	"os"
	"regexp"
	"testing"
)

// TestDocsCoverage keeps docs/spec.md's coverage table equal to the table.
func TestDocsCoverage(t *testing.T) {
	doc, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	byExt := map[Ext]int{}
	for _, in := range Insts {
		byExt[in.Ext]++
	}
	want := map[string]int{
		"instructions": len(Insts), "CSRs": len(CSRs),
		"of which I": byExt[ExtI], "of which M": byExt[ExtM], "of which A": byExt[ExtA],
		"of which C": byExt[ExtC], "of which Zicsr": byExt[ExtZicsr], "of which Zifencei": byExt[ExtZifencei],
		"of which privileged": byExt[ExtPriv],
	}
	for label, n := range want {
		re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(label) + `[^|]*\| (\d+) \|`)
		m := re.FindSubmatch(doc)
		if m == nil {
			t.Errorf("docs/spec.md has no row %q", label)
			continue
		}
		if string(m[1]) != fmt.Sprint(n) {
			t.Errorf("docs/spec.md says %s = %s, the table has %d", label, m[1], n)
		}
	}
}
