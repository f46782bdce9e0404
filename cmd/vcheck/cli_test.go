package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelpEverywhere: -h and --help on every command, and `vcheck help
// CMD`, print the help to stdout, with examples and exit codes, and exit 0.
func TestHelpEverywhere(t *testing.T) {
	for _, name := range commandNames() {
		args := strings.Fields(name)
		var want string
		for i, flagArgs := range [][]string{append(args, "-h"), append(args, "--help"), append([]string{"help"}, args...)} {
			code, out, errs := runCLI(flagArgs...)
			if code != exitOK || errs != "" {
				t.Errorf("%v: exit %d, stderr %q", flagArgs, code, errs)
			}
			for _, s := range []string{"usage: vcheck " + name + " [flags]", "\nFlags:\n", "--json", "-h, --help", "\nExamples:\n  vcheck " + args[0], "\nExit status:\n  0 ", "\n  2    bad usage"} {
				if !strings.Contains(out, s) {
					t.Errorf("%v: help lacks %q:\n%s", flagArgs, s, out)
				}
			}
			if i == 0 {
				want = out
			} else if out != want {
				t.Errorf("%v: help differs from -h's", flagArgs)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := runCLI(args...)
		if code != exitOK || !strings.Contains(out, "Commands:") || !strings.Contains(out, "tla trace") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	if code, _, errs := runCLI("help", "nosuch"); code != exitUsage || !strings.Contains(errs, `unknown command "nosuch"`) {
		t.Errorf("help nosuch: exit %d, %s", code, errs)
	}
	if code, _, errs := runCLI(); code != exitUsage || !strings.Contains(errs, "usage: vcheck COMMAND") {
		t.Errorf("no arguments: exit %d, %s", code, errs)
	}
}

// TestUsageErrors: a bad flag names itself on stderr with the synopsis,
// and exits 2 with nothing on stdout.
func TestUsageErrors(t *testing.T) {
	for _, name := range commandNames() {
		args := append(strings.Fields(name), "--no-such-flag")
		code, out, errs := runCLI(args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, "no-such-flag") || !strings.Contains(errs, "usage: vcheck "+name) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out, _ := runCLI(args...)
		if code != exitOK || !strings.HasPrefix(out, "vcheck "+version) {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2025-01-02T03:04:05Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	if got, want := buildInfoOf(info).String(), "vcheck "+version+" (revision 0123456789ab, 2025-01-02T03:04:05Z, modified) go1.26.0"; got != want {
		t.Errorf("version line %q, want %q", got, want)
	}
	if got := buildInfoOf(nil).String(); got != "vcheck "+version {
		t.Errorf("without build info: %q", got)
	}
}

// TestDocumentedFlags: docs/cli.md names every flag of every command in
// that command's section, and lists its exit codes.
func TestDocumentedFlags(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	for _, sec := range strings.Split(string(b), "\n## ")[1:] {
		head, body, _ := strings.Cut(sec, "\n")
		if m := regexp.MustCompile("^`vcheck (.+)`$").FindStringSubmatch(head); m != nil {
			sections[m[1]] = body
		}
	}
	for _, name := range commandNames() {
		sec, ok := sections[name]
		if !ok {
			t.Errorf("docs/cli.md has no section \"## `vcheck %s`\"", name)
			continue
		}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		commands[name].flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			dash := "--"
			if len(f.Name) == 1 {
				dash = "-"
			}
			// A one-letter flag takes one dash or two (--a, -o).
			if !strings.Contains(sec, "`"+dash+f.Name) && !strings.Contains(sec, "`--"+f.Name) {
				t.Errorf("docs/cli.md, vcheck %s: flag %s%s is not documented", name, dash, f.Name)
			}
		})
		if !strings.Contains(sec, "Exit code") {
			t.Errorf("docs/cli.md, vcheck %s: no exit codes", name)
		}
		codes, _ := commands[name].exitCodes()
		for _, c := range codes {
			if !regexp.MustCompile(`\b` + strconv.Itoa(c) + `\b`).MatchString(sec[strings.Index(sec, "Exit code"):]) {
				t.Errorf("docs/cli.md, vcheck %s: exit code %d is not listed", name, c)
			}
		}
	}
}

// writeSource writes an assembler source into a temporary directory.
func writeSource(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	loopSource = ".globl _start\n_start:\n1:\tj 1b\n"
	passSource = ".globl _start\n_start:\n\tli t0, 0x10000000\n\tli t1, 'k'\n\tsb t1, 0(t0)\n\tli t0, 0x100000\n\tli t1, 0x5555\n\tsw t1, 0(t0)\n1:\tj 1b\n"
	// mulhsuSource diverges on the ref-mulhsu-bug target.
	mulhsuSource = ".globl _start\n_start:\n\tli a0, -3\n\tli a1, 5\n\tmulhsu a2, a0, a1\n\tli t0, 0x100000\n\tli t1, 0x5555\n\tsw t1, 0(t0)\n1:\tj 1b\n"
)

// TestEveryCommandJSON runs every command with --json on real input: the
// output is one JSON document, on stdout alone, and every field in it is
// documented in docs/cli.md with its JSON type.
func TestEveryCommandJSON(t *testing.T) {
	pass := writeSource(t, "pass.S", passSource)
	mulhsu := writeSource(t, "mulhsu.S", mulhsuSource)
	elf := filepath.Join(t.TempDir(), "pass.elf")
	if code, _, errs := runCLI("asm", "-o", elf, pass); code != exitOK {
		t.Fatalf("asm: %s", errs)
	}
	kernel := filepath.Join(t.TempDir(), "kernel.elf")
	if code, _, errs := runCLI("asm", "--text-base", "0x80200000", "-o", kernel, pass); code != exitOK {
		t.Fatalf("asm: %s", errs)
	}
	tlaDir, err := filepath.Abs(filepath.Join("..", "..", "tla"))
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		cmd  string
		args []string
		code int
	}{
		{"version", []string{"version"}, exitOK},
		{"asm", []string{"asm", "-o", filepath.Join(t.TempDir(), "x.elf"), pass}, exitOK},
		{"bench", []string{"bench", "--ref-limit", "1000", elf}, exitOK},
		{"check", []string{"check", "--a", "ref", "--b", "test-skewed-ref", "--dirs", "seed"}, exitFailure},
		{"diff", []string{"diff", "--b", "ref-mulhsu-bug", mulhsu}, exitFailure},
		{"diff", []string{"diff", "--b", "ref-mulhsu-bug", "--strict", "2", mulhsu}, exitFailure},
		{"diff", []string{"diff", pass}, exitOK},
		{"diff --fields", []string{"diff", "--fields"}, exitOK},
		{"disasm", []string{"disasm"}, exitOK},
		{"fuzz", []string{"fuzz", "--time", "10m", "--programs", "30000", "--target", "ref-mulhsu-bug", "--seed", "3", "--regress", t.TempDir(), "--max-findings", "1"}, exitFailure},
		{"pg", []string{"pg", "--variant", "popf", "--only", "csrrs sstatus,csrrs time,mret"}, exitOK},
		{"run", []string{"run", "--kernel", kernel, pass}, exitOK},
		{"tla", []string{"tla", "--checker", "wasm", "--dir", tlaDir, "MC_Small", "Broken_NoTimer"}, exitOK},
		{"tla trace", []string{"tla", "trace", "--checker", "wasm", "--dir", tlaDir, filepath.Join(tlaDir, "traces", "bad_dispatch_unadmitted.jsonl")}, exitFailure},
	}
	for _, r := range runs {
		t.Run(strings.Join(r.args, " "), func(t *testing.T) {
			if strings.HasPrefix(r.cmd, "tla") {
				needWasm(t)
			}
			code, out, errs := runCLI(append(r.args, "--json")...)
			if code != r.code {
				t.Fatalf("exit %d, want %d\n%.2000s", code, r.code, errs)
			}
			v := checkJSONOutput(t, r.cmd, out)
			if r.cmd == "diff" && r.code == exitFailure && v["divergence"] == nil {
				t.Errorf("no divergence in the JSON")
			}
		})
	}
}

// TestSeedsAreStrings: a 64-bit seed survives JSON: jq -r .seed gives
// back exactly the seed.
func TestSeedsAreStrings(t *testing.T) {
	const seed = "18446744073709551557" // 2^64 - 59: no double holds it
	code, out, errs := runCLI("fuzz", "--programs", "5", "--target", "ref", "--seed", seed, "--regress", t.TempDir(), "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || v["seed"] != seed {
		t.Errorf("seed %#v (%v), want the string %q", v["seed"], err, seed)
	}
}

// TestLimitZeroMeansNone: --limit 0 is "no limit" for run and for diff.
func TestLimitZeroMeansNone(t *testing.T) {
	pass := writeSource(t, "pass.S", passSource)
	code, out, errs := runCLI("run", "--limit", "0", pass)
	if code != exitOK || out != "k" || !strings.Contains(errs, "PASS") {
		t.Errorf("run --limit 0: exit %d, %q\n%s", code, out, errs)
	}
	code, out, errs = runCLI("diff", "--limit", "0", pass)
	if code != exitOK || !strings.HasPrefix(out, "EQUAL") {
		t.Errorf("diff --limit 0: exit %d, %q\n%s", code, out, errs)
	}
}

// TestDiffNeitherFinished: no divergence within the limit and neither
// target finished is its own verdict, with exit 4, not EQUAL.
func TestDiffNeitherFinished(t *testing.T) {
	loop := writeSource(t, "loop.S", loopSource)
	code, out, _ := runCLI("diff", "--limit", "5000", loop)
	if code != exitInconclusive || !strings.Contains(out, "no divergence in 5000 records; neither finished") || strings.Contains(out, "EQUAL") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("diff", "--limit", "5000", "--json", loop)
	var j diffJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitInconclusive || j.Verdict != "unfinished" ||
		j.Compared != 5000 || j.ExitA.Reason != "running" || j.ExitB.Reason != "running" {
		t.Errorf("--json: exit %d, %v, %+v", code, err, j)
	}
}

// interruptAfter runs args with a context cancelled after d, as Ctrl-C
// cancels it.
func interruptAfter(d time.Duration, args ...string) (code int, stdout, stderr string) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(d, cancel)
	var o, e bytes.Buffer
	code = runContext(ctx, args, &o, &e)
	return code, o.String(), e.String()
}

// TestInterrupt: Ctrl-C on run, diff, check and fuzz prints what they
// have, as text and as JSON, and exits 130. (How much they have depends on
// the machine's load: the counts may be zero.)
func TestInterrupt(t *testing.T) {
	loop := writeSource(t, "loop.S", loopSource)
	code, _, errs := interruptAfter(300*time.Millisecond, "run", "--limit", "0", loop)
	if code != exitInterrupted || !regexp.MustCompile(`INTERRUPTED: still running after \d+ retired instructions`).MatchString(errs) {
		t.Errorf("run: exit %d\n%s", code, errs)
	}
	code, out, _ := interruptAfter(300*time.Millisecond, "run", "--limit", "0", "--json", loop)
	var r runJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitInterrupted || r.Verdict != "interrupted" || r.Reason != "running" {
		t.Errorf("run --json: exit %d, %v, %+v", code, err, r)
	}
	code, out, _ = interruptAfter(1500*time.Millisecond, "diff", "--limit", "0", loop)
	if code != exitInterrupted || !regexp.MustCompile(`^INTERRUPTED: no divergence in the \d+ records compared; ref: still running; engine: still running`).MatchString(out) {
		t.Errorf("diff: exit %d\n%s", code, out)
	}
	code, out, _ = interruptAfter(500*time.Millisecond, "check", "--json")
	var v checkVerdict
	// The programs done before Ctrl-C are listed as they ended; the one
	// it cut short, if it came during a program rather than between two
	// (or as one ended), is the last, "interrupted".
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != exitInterrupted || v.Equivalence != "interrupted" {
		t.Errorf("check --json: exit %d, %v, equivalence %q, %d programs", code, err, v.Equivalence, len(v.Programs))
	}
	for i, p := range v.Programs {
		if p.Status == "interrupted" && i != len(v.Programs)-1 || p.Status != "interrupted" && p.Status != "equal" {
			t.Errorf("check --json: program %d of %d (%s) has status %q", i+1, len(v.Programs), p.Path, p.Status)
		}
	}
	code, out, errs = interruptAfter(500*time.Millisecond, "fuzz", "--target", "ref", "--seed", "11", "--regress", t.TempDir())
	if code != exitInterrupted || !strings.HasPrefix(out, "INTERRUPTED: fuzzed ref against ref") || !strings.Contains(out, "(seed 11)") ||
		!strings.Contains(errs, "seed 11") {
		t.Errorf("fuzz: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestCtrlC sends a real SIGINT to a vcheck process: the signal reaches
// the command, which prints its summary and exits 130.
func TestCtrlC(t *testing.T) {
	// The go command that runs this test builds the binary: go test puts
	// its own GOROOT/bin first on the PATH.
	goTool := "go"
	bin := filepath.Join(t.TempDir(), "vcheck")
	if b, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	loop := writeSource(t, "loop.S", loopSource)
	cmd := exec.Command(bin, "run", "--model", "engine", "--limit", "0", loop)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(errb.String(), "INTERRUPTED") {
		t.Errorf("exit %d (%v)\n%s", code, err, errb.String())
	}
}

// TestProgressLines: the long-running commands show a progress line on
// stderr when asked (--progress), and none off a terminal otherwise.
func TestProgressLines(t *testing.T) {
	progressDelay, progressLogEvery = 0, time.Millisecond
	defer func() { progressDelay, progressLogEvery = time.Second, 5*time.Second }()
	loop := writeSource(t, "loop.S", loopSource)
	elf := filepath.Join(t.TempDir(), "pass.elf")
	if code, _, errs := runCLI("asm", "-o", elf, writeSource(t, "pass.S", passSource)); code != exitOK {
		t.Fatal(errs)
	}
	tlaDir, _ := filepath.Abs(filepath.Join("..", "..", "tla"))
	for _, tt := range []struct {
		args []string
		line *regexp.Regexp
	}{
		{[]string{"run", "--limit", "3000000", loop}, regexp.MustCompile(`(?m)^run ref: \d+ steps, \d+ retired, [\d.]+ MIPS \[\d+s\]$`)},
		{[]string{"diff", "--limit", "300000", loop}, regexp.MustCompile(`(?m)^diff ref vs engine: \d+ records compared \[\d+s\]$`)},
		{[]string{"pg", "--only", "addi,mret"}, regexp.MustCompile(`(?m)^pg: [12] of 2 instruction forms analyzed \[\d+s\]$`)},
		{[]string{"check", "--dirs", "seed"}, regexp.MustCompile(`(?m)^check \[\d+/\d+\] seed/`)},
		{[]string{"bench", "--qemu", "", "--ref=false", elf}, regexp.MustCompile(`(?m)^bench \[1/1\] pass.elf: engine`)},
		{[]string{"tla", "--checker", "wasm", "--dir", tlaDir, "MC_Small"}, regexp.MustCompile(`(?m)^tla \[1/1\] checking MC_Small \[\d+s\]$`)},
	} {
		t.Run(tt.args[0], func(t *testing.T) {
			if tt.args[0] == "tla" {
				needWasm(t)
			}
			_, _, errs := runCLI(append(tt.args, "--progress")...)
			if !tt.line.MatchString(errs) {
				t.Errorf("--progress: no progress line %v on stderr:\n%s", tt.line, errs)
			}
			_, _, errs = runCLI(tt.args...)
			if tt.line.MatchString(errs) {
				t.Errorf("a progress line off a terminal without --progress:\n%s", errs)
			}
		})
	}
}

// TestJSONStdoutOnly: with --json, run writes nothing but the JSON on
// stdout (the UART goes into it), and its warnings stay on stderr.
func TestJSONStdoutOnly(t *testing.T) {
	code, out, errs := runCLI("run", "--json", writeSource(t, "pass.S", passSource))
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	var r runJSON
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&r); err != nil || dec.More() || r.Console != "k" || r.Verdict != "pass" {
		t.Errorf("%v %+v\n%s", err, r, out)
	}
	sc := bufio.NewScanner(strings.NewReader(errs))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "{") {
			t.Errorf("JSON on stderr: %s", sc.Text())
		}
	}
	if code, _, errs := runCLI("run", "--json", "--trace", writeSource(t, "pass.S", passSource)); code != exitUsage || !strings.Contains(errs, "--trace and --json") {
		t.Errorf("--trace --json: exit %d %s", code, errs)
	}
}
