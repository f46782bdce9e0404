package tlacheck

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// ErrNoWasmChecker means that node or the npm package tla-checker is not
// installed. Install them with .ci/tla-deps.sh.
var ErrNoWasmChecker = errors.New("the WebAssembly checker is not installed (node and tla/runner/node_modules/tla-checker; run .ci/tla-deps.sh)")

// Wasm is a running tla-checker: one node process that loads the
// WebAssembly module once and answers calls over a pipe (tla/runner/rpc.mjs).
type Wasm struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr strings.Builder
}

// WasmAvailable reports whether the WebAssembly checker can run from the
// tla directory dir, and if not, why.
func WasmAvailable(dir string) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: node is not on the PATH", ErrNoWasmChecker)
	}
	if _, err := os.Stat(filepath.Join(dir, "runner", "rpc.mjs")); err != nil {
		return fmt.Errorf("%w: %v", ErrNoWasmChecker, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runner", "node_modules", "tla-checker", "tla_checker_bg.wasm")); err != nil {
		return fmt.Errorf("%w: %v", ErrNoWasmChecker, err)
	}
	return nil
}

// StartWasm starts the checker of the tla directory dir.
func StartWasm(dir string) (*Wasm, error) {
	if err := WasmAvailable(dir); err != nil {
		return nil, err
	}
	w := &Wasm{}
	w.cmd = exec.Command("node", "--stack-size=7000", "rpc.mjs")
	w.cmd.Dir = filepath.Join(dir, "runner")
	w.cmd.Stderr = &w.stderr
	in, err := w.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := w.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoWasmChecker, err)
	}
	w.stdin = in
	w.stdout = bufio.NewReaderSize(out, 1<<20)
	return w, nil
}

// Close stops the node process.
func (w *Wasm) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		return nil
	}
	w.stdin.Close()
	err := w.cmd.Wait()
	w.cmd = nil
	return err
}

// call invokes one exported function of tla-checker and decodes its JSON
// answer into out.
func (w *Wasm) call(out any, fn string, args ...any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		return errors.New("tlacheck: wasm checker is closed")
	}
	req, err := json.Marshal(map[string]any{"fn": fn, "args": args})
	if err != nil {
		return err
	}
	if _, err := w.stdin.Write(append(req, '\n')); err != nil {
		return fmt.Errorf("tlacheck: writing to node: %v (stderr: %s)", err, w.stderr.String())
	}
	line, err := w.stdout.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("tlacheck: reading from node: %v (stderr: %s)", err, w.stderr.String())
	}
	var rpcErr struct {
		RPCError string `json:"rpc_error"`
	}
	if json.Unmarshal(line, &rpcErr) == nil && rpcErr.RPCError != "" {
		return fmt.Errorf("tlacheck: %s: %s", fn, rpcErr.RPCError)
	}
	return json.Unmarshal(line, out)
}

// wasmCheckResult is tla-checker's answer to check_spec_with_cfg.
type wasmCheckResult struct {
	Success        bool     `json:"success"`
	ErrorType      string   `json:"error_type"`
	ErrorMessage   string   `json:"error_message"`
	StatesExplored int      `json:"states_explored"`
	Trace          []string `json:"trace"`
	Warnings       []string `json:"warnings"`
}

// Check model-checks one assembled module exhaustively.
func (w *Wasm) Check(module, cfg string, maxStates int) (*wasmCheckResult, error) {
	var r wasmCheckResult
	if err := w.call(&r, "check_spec_with_cfg", module, cfg, "{}", maxStates, 100000, false, false); err != nil {
		return nil, err
	}
	return &r, nil
}

// wasmState is one state as the stepping API gives it: the values in
// tla-checker's JSON form (sets are arrays; tuples {"__tuple": [...]};
// model values {"__model": name}; functions with non-string domains
// {"__fn": [[k, v], ...]}; records and string-domain functions objects).
type wasmState struct {
	Display map[string]string          `json:"display"`
	JSON    map[string]json.RawMessage `json:"json"`
}

type wasmTransition struct {
	Action  string    `json:"action"`
	Changes []string  `json:"changes"`
	State   wasmState `json:"state"`
}

// Init returns the initial states of an assembled module.
func (w *Wasm) Init(module, cfg string) ([]wasmState, []string, error) {
	var r struct {
		OK     bool        `json:"ok"`
		Error  string      `json:"error"`
		States []wasmState `json:"states"`
		Vars   []string    `json:"vars"`
	}
	if err := w.call(&r, "explore_init", module, cfg, "{}"); err != nil {
		return nil, nil, err
	}
	if !r.OK {
		return nil, nil, fmt.Errorf("tla-checker: explore_init: %s", r.Error)
	}
	return r.States, r.Vars, nil
}

// Next returns the transitions out of a state.
func (w *Wasm) Next(module, cfg string, state map[string]json.RawMessage) ([]wasmTransition, error) {
	st, err := json.Marshal(state)
	if err != nil {
		return nil, err
	}
	var r struct {
		OK          bool             `json:"ok"`
		Error       string           `json:"error"`
		Transitions []wasmTransition `json:"transitions"`
	}
	if err := w.call(&r, "explore_next", module, cfg, "{}", string(st)); err != nil {
		return nil, err
	}
	if !r.OK {
		return nil, fmt.Errorf("tla-checker: explore_next: %s", r.Error)
	}
	return r.Transitions, nil
}
