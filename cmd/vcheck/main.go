// Command vcheck checks the Popek and Goldberg conditions for virtualization
// on the rv64pg RISC-V profile: equivalence, resource control and efficiency.
//
// Each subcommand lives in its own file and registers itself in init with
// one command value (cli.go): its flags, synopsis, help text, examples and
// exit codes. The framework parses the flags (before or after the
// arguments), adds --json and -h/--help to every command and --progress to
// the long-running ones, prints the help on stdout, and maps Ctrl-C to
// exitInterrupted. docs/cli.md documents every command; cli_doc_test.go
// keeps the two in step.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

// version is vcheck's own version; `vcheck --version` adds the VCS
// revision the binary was built from, when the build recorded one.
const version = "0.1.0"

// Exit codes. They are part of the interface (docs/cli.md): CI scripts
// depend on them.
const (
	exitOK           = 0   // success: no divergence, program passed, verdict holds
	exitFailure      = 1   // the check ran and found a failure (divergence, failed test, verdict fails)
	exitUsage        = 2   // bad command line or unreadable input
	exitInternal     = 3   // vcheck itself, or a target it was asked to build, failed
	exitInconclusive = 4   // a limit came before any verdict: neither target finished, or the program did not exit
	exitInterrupted  = 130 // Ctrl-C (SIGINT) or SIGTERM: what was done so far is printed (128 + SIGINT, as shells report it)
)

// exitMeaning is the generic meaning of each exit code, for help texts.
var exitMeaning = map[int]string{
	exitOK:           "success",
	exitFailure:      "the check ran and found a failure",
	exitUsage:        "bad usage or unreadable input",
	exitInternal:     "vcheck itself, or a target it was asked to build, failed",
	exitInconclusive: "a limit came before a verdict",
	exitInterrupted:  "interrupted (Ctrl-C); what was done so far is printed",
}

var commands = map[string]*command{}

// register adds a subcommand; it is called from init functions.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("vcheck: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// commandNames returns the registered commands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: vcheck COMMAND [flags] [args]")
	fmt.Fprintln(w, "       vcheck help COMMAND | vcheck --version")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command takes -h/--help and --json. Exit status: 0 success, 1 failure found,")
	fmt.Fprintln(w, "2 bad usage, 3 internal error, 4 no verdict within the limit, 130 interrupted.")
	fmt.Fprintln(w, "docs/cli.md describes every command, its flags and its JSON output.")
}

// lookupCommand finds the command args start with: "tla trace" before "tla".
func lookupCommand(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

// run is vcheck with these arguments; tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// catchSignals is set by main: a command that handles interruption then
// gets a context that Ctrl-C cancels. Tests cancel the context themselves.
var catchSignals bool

// runContext is run with a context whose cancellation interrupts the
// commands that handle interruption.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		mainUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		mainUsage(stdout)
		return exitOK
	case "-version", "--version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	case "help":
		return helpCommand(args[1:], stdout, stderr)
	}
	c, rest := lookupCommand(args)
	if c == nil {
		fmt.Fprintf(stderr, "vcheck: unknown command %q\n\n", args[0])
		mainUsage(stderr)
		return exitUsage
	}
	if catchSignals && c.interrupt {
		// The first Ctrl-C asks the command to stop and print what it
		// has; stop() then restores the default, so a second one kills.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		go func() {
			<-ctx.Done()
			stop()
		}()
	}
	return c.invoke(ctx, rest, stdout, stderr)
}

// helpCommand is `vcheck help [COMMAND]`.
func helpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		mainUsage(stdout)
		return exitOK
	}
	c, rest := lookupCommand(args)
	if c == nil || len(rest) > 0 {
		fmt.Fprintf(stderr, "vcheck help: unknown command %q\n\n", strings.Join(args, " "))
		mainUsage(stderr)
		return exitUsage
	}
	c.help(stdout)
	return exitOK
}

// buildInfo is what the binary knows about its own build.
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"` // the VCS revision, when the build recorded it
	Time     string `json:"revision_time,omitempty"`
	Modified bool   `json:"modified"` // the work tree had uncommitted changes
	Go       string `json:"go"`
}

func readBuildInfo() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return buildInfoOf(info)
}

// buildInfoOf reads what `vcheck version` prints from info (nil: nothing
// known but the version constant).
func buildInfoOf(info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: version}
	if info == nil {
		return b
	}
	b.Go = info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func versionString() string { return readBuildInfo().String() }

// String is the one line `vcheck --version` prints.
func (b buildInfo) String() string {
	s := "vcheck " + b.Version
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		s += " (revision " + rev
		if b.Time != "" {
			s += ", " + b.Time
		}
		if b.Modified {
			s += ", modified"
		}
		s += ")"
	}
	if b.Go != "" {
		s += " " + b.Go
	}
	return s
}

func init() {
	register(&command{
		name:    "version",
		summary: "print vcheck's version and the revision it was built from",
		about: "Prints vcheck's version, the VCS revision and commit time the binary was built\n" +
			"from (when the Go toolchain recorded them: `go build` in a git checkout does,\n" +
			"`go run` does not) and the Go version. Same as `vcheck --version`.",
		examples: []example{{"vcheck version", ""}, {"vcheck version --json | jq -r .revision", "the commit, for a bug report"}},
		exits:    map[int]string{exitOK: "always"},
		flags: func(fs *flag.FlagSet) func(e *env) int {
			return func(e *env) int {
				if e.json {
					return e.writeJSON(readBuildInfo())
				}
				fmt.Fprintln(e.stdout, versionString())
				return exitOK
			}
		},
	})
}

func main() {
	catchSignals = true
	os.Exit(runContext(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
