// Package targets maps target names to constructors: the one place that
// imports the implementations (refmodel, impl/engine) together with diff
// (ARCHITECTURE.md §3). Built-in names are registered by this package's
// files, one per target; external adapters register a prefix
// ("gdb:HOST:PORT", "rvfi:HOST:PORT") whose argument they parse.
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

// Names lists the known targets, prefixes as "prefix:ARG", sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for n := range byName {
		out = append(out, n)
	}
	for p := range byPrefix {
		out = append(out, p+":HOST:PORT")
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
