// Package targets is the one registry of the implementations vcheck can
// run and compare: every command (run, diff, check, fuzz, bench) and every
// test finds a target here by name. It is the only package that imports
// the implementations (refmodel, impl/...) together (docs/architecture.md).
//
// # Adding a target
//
// One file per target, in this package, registering itself from init:
//
//	// vmm.go: the trap-and-emulate VMM running the program as its guest.
//	func init() {
//		Register("vmm", func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
//			return vmm.New(cfg, img)
//		})
//	}
//
// A Factory returns a diff.Target (Step, Exit, State): that is enough for
// `vcheck diff`, `check` and `fuzz`. A target that can also run without
// producing records (diff.Runner: Run, Retired, SetConsole, and the RAM
// and device reads run mode compares) serves `vcheck run`, `vcheck bench`
// and run mode too; nothing else needs registering.
//
// A family of targets whose name carries an argument (an external
// implementation reached over a socket: "gdb:HOST:PORT", "rvfi:HOST:PORT")
// registers a prefix with RegisterPrefix; its PrefixFactory parses the
// argument and returns the Factory. A target that needs no argument but an
// external program ("qemu") is a plain Register.
//
// Built in: "ref" (ref.go, the reference model), "engine" (engine.go, the
// fast engine), where the engine compiles blocks "engine-nojit" (the
// engine with its block compiler off), and "vmm" (vmm.go, the program as
// the guest of one VM of the trap-and-emulate VMM).
package targets

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// Factory builds one target for a config and a reset image.
type Factory func(cfg spec.Config, img *boot.Image) (diff.Target, error)

// PrefixFactory parses the argument after "prefix:" and returns the
// factory it names, e.g. "127.0.0.1:1234" for "gdb:127.0.0.1:1234".
type PrefixFactory func(arg string) (Factory, error)

var (
	mu       sync.RWMutex
	byName   = map[string]Factory{}
	byPrefix = map[string]PrefixFactory{}
)

// Register adds a named target. It panics on a duplicate name, which is a
// programming error of the registering file.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := byName[name]; dup {
		panic("targets: duplicate target " + name)
	}
	byName[name] = f
}

// RegisterPrefix adds a family of targets named "prefix:ARG".
func RegisterPrefix(prefix string, f PrefixFactory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := byPrefix[prefix]; dup {
		panic("targets: duplicate target prefix " + prefix)
	}
	byPrefix[prefix] = f
}

// prefixArgs are the argument synopses of prefixes whose argument is not
// an address (trace:FILE).
var prefixArgs = map[string]string{"trace": "FILE"}

// Names lists the known targets, prefixes as "prefix:HOST:PORT" (or
// their own argument), sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for n := range byName {
		out = append(out, n)
	}
	for p := range byPrefix {
		arg := "HOST:PORT"
		if a, ok := prefixArgs[p]; ok {
			arg = a
		}
		out = append(out, p+":"+arg)
	}
	sort.Strings(out)
	return out
}

// Has reports whether name is a known target.
func Has(name string) bool {
	_, err := Lookup(name)
	return err == nil
}

// Lookup returns the factory for name, or an error that lists the known
// names.
func Lookup(name string) (Factory, error) {
	mu.RLock()
	f, ok := byName[name]
	var pf PrefixFactory
	if !ok {
		if i := strings.IndexByte(name, ':'); i > 0 {
			pf = byPrefix[name[:i]]
		}
	}
	mu.RUnlock()
	if ok {
		return f, nil
	}
	if pf != nil {
		f, err := pf(name[strings.IndexByte(name, ':')+1:])
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", name, err)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unknown target %q (known: %s)", name, strings.Join(Names(), ", "))
}

// New looks name up and builds the target.
func New(name string, cfg spec.Config, img *boot.Image) (diff.Target, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	t, err := f(cfg, img)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", name, err)
	}
	return t, nil
}

// NewRunner builds the target name and returns it as a Runner, or an
// error when that target can only be stepped (compared, not run alone).
func NewRunner(name string, cfg spec.Config, img *boot.Image) (diff.Runner, error) {
	t, err := New(name, cfg, img)
	if err != nil {
		return nil, err
	}
	r, ok := t.(diff.Runner)
	if !ok {
		return nil, fmt.Errorf("target %s cannot run on its own (it has no Run, Retired or SetConsole): compare it with vcheck diff instead", name)
	}
	return r, nil
}
