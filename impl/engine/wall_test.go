package engine

import (
	"os/exec"
	"strings"
	"testing"
)

// TestWall: impl/engine depends on spec, impl/devices and the standard
// library only, never on refmodel (docs/architecture.md).
func TestWall(t *testing.T) {
	needTool(t, "go")
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(p, "vcheck-dev/vcheck/") && !strings.Contains(p, "/spec") && !strings.HasSuffix(p, "/impl/engine") && !strings.HasSuffix(p, "/impl/devices") {
			t.Errorf("impl/engine depends on %s", p)
		}
	}
}
