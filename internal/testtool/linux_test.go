package testtool

import "testing"

// TestLinuxNeedsListed: everything Linux asks of the machine is on the
// list, so scripts/test.sh installs it (Linux's names are not constants
// at the call, which TestEveryRequestIsListed reads).
func TestLinuxNeedsListed(t *testing.T) {
	for _, name := range append(append([]string(nil), linuxNeeds.tools...), linuxNeeds.files...) {
		if Package(name) == "" {
			t.Errorf("testtool.Linux asks for %s, which %s does not list", name, ListFile)
		}
	}
}
