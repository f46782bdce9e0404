// Command vcheck checks the Popek and Goldberg conditions for virtualization
// on the rv64pg RISC-V profile: equivalence, resource control and efficiency.
//
// Each subcommand lives in its own file and registers itself in init, so
// that parallel work on different subcommands never touches the same file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// Exit codes. They are part of the interface: CI scripts depend on them.
const (
	exitOK       = 0 // success: no divergence, program passed, verdict holds
	exitFailure  = 1 // the check ran and found a failure (divergence, failed test, verdict fails)
	exitUsage    = 2 // bad command line or unreadable input
	exitInternal = 3 // vcheck itself failed
)

// command is one subcommand of vcheck.
type command struct {
	name    string
	summary string
	// run executes the subcommand with its own arguments (the subcommand
	// name removed) and returns the process exit code.
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; it is called from init functions.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("vcheck: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError marks an error that is the user's command line, so that it
// maps to exitUsage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCodeFor maps an error to the exit code it deserves.
func exitCodeFor(err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// newFlagSet returns a FlagSet that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("vcheck "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseArgs parses flags that may come before or after the positional
// arguments ("vcheck diff prog.elf --limit 1000"), as users of GNU tools
// expect; afterwards fs.Args() holds the positional arguments in order.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func mainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: vcheck COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'vcheck COMMAND -h' for the flags of one command.")
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		mainUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		mainUsage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "vcheck: unknown command %q\n", args[0])
		mainUsage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
