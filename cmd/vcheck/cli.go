package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vcheck-dev/vcheck/internal/jsonout"
)

// command is one subcommand of vcheck: everything its help, its flag
// parsing and docs/cli.md need, and the code that runs it.
type command struct {
	name    string // "run", or "tla trace" for a command under another
	summary string // one line, for `vcheck help`
	// args is the synopsis of the positional arguments ("PROGRAM",
	// "[FILE.elf]"); minArgs and maxArgs bound their number (maxArgs < 0:
	// no bound).
	args             string
	minArgs, maxArgs int
	about            string    // what the command does, for --help
	examples         []example // shown by --help
	// exits says what each exit code means for this command; usage (2)
	// and internal (3) errors are added for every command.
	exits map[int]string
	// progress: the command can run for long, and takes --progress.
	progress bool
	// interrupt: the command handles Ctrl-C itself (env.ctx is cancelled),
	// prints what it has and returns exitInterrupted.
	interrupt bool
	// flags declares the command's own flags on fs and returns the
	// function that runs the command once they are parsed. --json,
	// --progress and -h/--help are added by the framework.
	flags func(fs *flag.FlagSet) func(e *env) int
}

// example is one command line of a help text, with what it shows.
type example struct{ cmd, what string }

// env is one invocation of a command.
type env struct {
	cmd            *command
	ctx            context.Context // cancelled by Ctrl-C when the command handles interruption
	stdout, stderr io.Writer
	args           []string // the positional arguments
	json           bool     // --json
	progress       progressFlag
}

// invoke parses args for c and runs it.
func (c *command) invoke(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vcheck "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, help goes to stdout
	fs.Usage = func() {}
	body := c.flags(fs)
	// stderr is shared by the command, its progress line and the
	// interruption notice: one write at a time.
	e := &env{cmd: c, ctx: ctx, stdout: stdout, stderr: &lockedWriter{w: stderr}}
	c.commonFlags(fs, &e.json, &e.progress)
	if err := parseArgs(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.help(stdout)
			return exitOK
		}
		return e.usagef("%v", err)
	}
	e.args = fs.Args()
	if n := len(e.args); n < c.minArgs || c.maxArgs >= 0 && n > c.maxArgs {
		switch {
		case c.maxArgs == 0:
			return e.usagef("unexpected arguments %q", e.args)
		case c.minArgs == c.maxArgs:
			return e.usagef("want %d argument(s) (%s), have %d", c.minArgs, c.args, n)
		case n < c.minArgs:
			return e.usagef("want at least %d argument(s) (%s), have %d", c.minArgs, c.args, n)
		default:
			return e.usagef("want at most %d argument(s) (%s), have %d", c.maxArgs, c.args, n)
		}
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	return body(e)
}

// commonFlags declares the flags every command has (--json) and those of
// the long-running ones (--progress).
func (c *command) commonFlags(fs *flag.FlagSet, json *bool, progress *progressFlag) {
	fs.BoolVar(json, "json", false, "write the result as JSON on stdout, and nothing else there (docs/cli.md has the schema)")
	if c.progress {
		fs.Var(progress, "progress", "show the progress line on stderr even when it is not a terminal; --progress=false: never")
	}
}

// synopsis is the usage line of c.
func (c *command) synopsis() string {
	s := "vcheck " + c.name + " [flags]"
	if c.args != "" {
		s += " " + c.args
	}
	return s
}

// exitCodes returns c's exit codes with their meanings, in order.
func (c *command) exitCodes() (codes []int, meaning map[int]string) {
	meaning = map[int]string{exitUsage: exitMeaning[exitUsage], exitInternal: exitMeaning[exitInternal]}
	for k, v := range c.exits {
		meaning[k] = v
	}
	if c.interrupt {
		if _, ok := meaning[exitInterrupted]; !ok {
			meaning[exitInterrupted] = exitMeaning[exitInterrupted]
		}
	}
	for k := range meaning {
		codes = append(codes, k)
	}
	sort.Ints(codes)
	return codes, meaning
}

// help writes c's full help: synopsis, description, flags, examples and
// exit codes.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.synopsis(), strings.TrimSpace(c.about))
	fmt.Fprintln(w, "\nFlags:")
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.flags(fs)
	c.commonFlags(fs, new(bool), new(progressFlag))
	var rows [][2]string
	fs.VisitAll(func(f *flag.Flag) { rows = append(rows, flagHelp(f)) })
	rows = append(rows, [2]string{"-h, --help", "print this help"})
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
	}
	if len(c.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex.cmd)
			if ex.what != "" {
				fmt.Fprintf(w, "      %s\n", ex.what)
			}
		}
	}
	fmt.Fprintln(w, "\nExit status:")
	codes, meaning := c.exitCodes()
	for _, code := range codes {
		fmt.Fprintf(w, "  %-3d  %s\n", code, meaning[code])
	}
}

// flagHelp renders one flag as "--name ARG" and its usage with the default.
func flagHelp(f *flag.Flag) [2]string {
	dash := "--"
	if len(f.Name) == 1 {
		dash = "-"
	}
	arg, usage := flag.UnquoteUsage(f)
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		arg = ""
	}
	name := dash + f.Name
	if arg != "" {
		name += " " + strings.ToUpper(arg)
	}
	switch f.DefValue {
	case "", "0", "false", "0s":
	default:
		if g, ok := f.Value.(flag.Getter); ok {
			if _, isString := g.Get().(string); isString {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
				break
			}
		}
		usage += fmt.Sprintf(" (default %s)", f.DefValue)
	}
	return [2]string{name, usage}
}

// parseArgs parses flags that may come before or after the positional
// arguments ("vcheck diff prog.elf --limit 1000"), as users of GNU tools
// expect; afterwards fs.Args() holds the positional arguments in order.
// "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		if len(args) > fs.NArg() && args[len(args)-fs.NArg()-1] == "--" {
			positional = append(positional, fs.Args()...)
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// usagef reports a command-line error and returns exitUsage.
func (e *env) usagef(format string, args ...any) int {
	fmt.Fprintf(e.stderr, "vcheck %s: %s\nusage: %s\nRun 'vcheck help %s' for the flags and examples.\n",
		e.cmd.name, fmt.Sprintf(format, args...), e.cmd.synopsis(), e.cmd.name)
	return exitUsage
}

// errorf reports an error on stderr and returns code.
func (e *env) errorf(code int, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "vcheck %s: %s\n", e.cmd.name, fmt.Sprintf(format, args...))
	return code
}

// warnf writes a warning on stderr.
func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "vcheck %s: warning: %s\n", e.cmd.name, fmt.Sprintf(format, args...))
}

// notef writes a note on stderr: something the user may not expect, that
// is not wrong.
func (e *env) notef(format string, args ...any) {
	fmt.Fprintf(e.stderr, "vcheck %s: note: %s\n", e.cmd.name, fmt.Sprintf(format, args...))
}

// writeJSON writes v on stdout as the JSON conventions say; it returns
// exitOK, or exitInternal when v cannot be encoded.
func (e *env) writeJSON(v any) int {
	b, err := jsonout.Marshal(v)
	if err != nil {
		return e.errorf(exitInternal, "%v", err)
	}
	if _, err := e.stdout.Write(b); err != nil {
		return e.errorf(exitInternal, "writing the JSON output: %v", err)
	}
	return exitOK
}

// interrupted reports whether Ctrl-C asked the command to stop.
func (e *env) interrupted() bool { return e.ctx.Err() != nil }

// stopChan is closed when the command is interrupted.
func (e *env) stopChan() <-chan struct{} { return e.ctx.Done() }

// lockedWriter serializes writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// progressFlag is --progress: unset (auto: on a terminal only), true
// (always) or false (never).
type progressFlag int8

const (
	progressAuto   progressFlag = 0
	progressAlways progressFlag = 1
	progressNever  progressFlag = -1
)

func (p *progressFlag) String() string {
	switch *p {
	case progressAlways:
		return "true"
	case progressNever:
		return "false"
	}
	return ""
}

func (p *progressFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, have %q", s)
	}
	*p = progressNever
	if v {
		*p = progressAlways
	}
	return nil
}

func (p *progressFlag) IsBoolFlag() bool { return true }

func (p *progressFlag) Get() any { return *p }
