package fuzz

// Running rapid outside a test (vcheck fuzz's campaigns) is not an API
// rapid offers: rapid.Check takes its settings from process-wide flags
// that it registers on the global flag set in its init (rapid.checks,
// rapid.seed, rapid.shrinktime, rapid.nofailfile, rapid.failfile), and it
// calls testing.Short(), which panics unless the testing flags exist.
// Everything that relies on that is in this file, for the version named
// below; TestRapidVersion fails when go.mod moves to another one, so that
// whoever upgrades reads this file again (pgregory.net/rapid engine.go:
// the cmdline flags, checkTB).

import (
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rapidVersion is the version of pgregory.net/rapid this file was
// written against.
const rapidVersion = "v1.3.0"

// setRapidSeed sets the seed of the next rapid.Check.
func setRapidSeed(seed uint64) error {
	return flag.Set("rapid.seed", strconv.FormatUint(seed, 10))
}

// setRapidFlags sets rapid's process-wide settings for a campaign and
// returns a function that restores them. Outside a test binary, rapid
// needs the testing flags to exist (it asks testing.Short).
func setRapidFlags(c *Campaign) (func(), error) {
	if flag.Lookup("test.short") == nil {
		testing.Init()
	}
	if !flag.Parsed() {
		// A command-line program parses its own flag sets; rapid only
		// needs the global one marked parsed.
		if err := flag.CommandLine.Parse(nil); err != nil {
			return nil, err
		}
	}
	shrink := c.ShrinkTime
	if shrink <= 0 {
		shrink = 20 * time.Second
	}
	set := map[string]string{
		"rapid.checks":     "1", // a shrink starts from one program, drawn first from its seed
		"rapid.nofailfile": "true",
		"rapid.shrinktime": shrink.String(),
		"rapid.failfile":   "",
	}
	old := map[string]string{"rapid.seed": flag.Lookup("rapid.seed").Value.String()}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fl := flag.Lookup(k)
		if fl == nil {
			return nil, fmt.Errorf("fuzz: rapid has no flag %s", k)
		}
		old[k] = fl.Value.String()
		if err := flag.Set(k, set[k]); err != nil {
			return nil, err
		}
	}
	return func() {
		for k, v := range old {
			_ = flag.Set(k, v)
		}
	}, nil
}

// campaignTB is the rapid.TB of a campaign: it records the failure
// instead of failing a test.
type campaignTB struct {
	failed   bool
	internal string
	log      strings.Builder
}

func (tb *campaignTB) Helper()                          {}
func (tb *campaignTB) Name() string                     { return "vcheck-fuzz" }
func (tb *campaignTB) Logf(format string, args ...any)  { fmt.Fprintf(&tb.log, format+"\n", args...) }
func (tb *campaignTB) Log(args ...any)                  { fmt.Fprintln(&tb.log, args...) }
func (tb *campaignTB) Skipf(format string, args ...any) {}
func (tb *campaignTB) Skip(args ...any)                 {}
func (tb *campaignTB) SkipNow()                         {}
func (tb *campaignTB) Errorf(format string, args ...any) {
	tb.fail(fmt.Sprintf(format, args...))
}
func (tb *campaignTB) Error(args ...any)                 { tb.fail(fmt.Sprint(args...)) }
func (tb *campaignTB) Fatalf(format string, args ...any) { tb.fail(fmt.Sprintf(format, args...)) }
func (tb *campaignTB) Fatal(args ...any)                 { tb.fail(fmt.Sprint(args...)) }
func (tb *campaignTB) FailNow()                          { tb.failed = true }
func (tb *campaignTB) Fail()                             { tb.failed = true }
func (tb *campaignTB) Failed() bool                      { return tb.failed }

func (tb *campaignTB) fail(msg string) {
	tb.failed = true
	if strings.Contains(msg, "internal error (not a divergence)") && tb.internal == "" {
		tb.internal = firstLine(msg[strings.Index(msg, "internal error"):])
	}
	fmt.Fprintln(&tb.log, msg)
}
