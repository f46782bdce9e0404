package targets

import (
	"errors"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

func TestBuiltins(t *testing.T) {
	for _, name := range []string{"ref", "engine"} {
		if _, err := Lookup(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUnknownListsKnown(t *testing.T) {
	_, err := Lookup("spike")
	if err == nil {
		t.Fatal("no error for an unknown target")
	}
	for _, want := range []string{`"spike"`, "ref", "engine", "qemu", "gdb:HOST:PORT", "rvfi:HOST:PORT", "trace:FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestPrefix(t *testing.T) {
	var got string
	RegisterPrefix("testproto", func(arg string) (Factory, error) {
		if arg == "" {
			return nil, errors.New("want HOST:PORT")
		}
		got = arg
		return func(spec.Config, *boot.Image) (diff.Target, error) { return nil, errors.New("not dialed in tests") }, nil
	})
	if _, err := Lookup("testproto:127.0.0.1:1234"); err != nil || got != "127.0.0.1:1234" {
		t.Errorf("prefix lookup: %v, arg %q", err, got)
	}
	if _, err := Lookup("testproto:"); err == nil || !strings.Contains(err.Error(), "want HOST:PORT") {
		t.Errorf("bad prefix argument: %v", err)
	}
	if !strings.Contains(strings.Join(Names(), " "), "testproto:HOST:PORT") {
		t.Errorf("Names() = %v lacks the prefix form", Names())
	}
	if _, err := New("testproto:x:1", spec.DefaultConfig(), nil); err == nil || !strings.Contains(err.Error(), "target testproto:x:1") {
		t.Errorf("New does not name the target in its error: %v", err)
	}
}

func TestDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering ref twice did not panic")
		}
	}()
	Register("ref", nil)
}
