package main

import (
	"flag"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/vcheck-dev/vcheck/diff/gdb"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "serve a model to gdb (a gdbstub) or to TestRIG (RVFI-DII)",
		args:    "[PROGRAM]",
		minArgs: 0, maxArgs: 1,
		about: `Serves one of vcheck's models over a socket until Ctrl-C:

--gdb PORT: a GDB remote-protocol stub for PROGRAM (loaded as vcheck run loads
it, stopped at reset): gdb-multiarch sees x0-x31, pc, the privilege mode as
$priv, every CSR by name, memory through the hart's translation, breakpoints,
stepi and continue, one thread per hart.

--rvfi-dii PORT: an RVFI-DII implementation for TestRIG's verification engines
(or vcheck's rvfi: target): each connection gets a model at TestRIG's reset
(pc 0x80000000, M-mode, memory zero) that executes the injected instructions;
v1, v2, and vcheck's extension blocks (docs/rvfi.md).

PORT is a port on the loopback interface, or HOST:PORT; 0 picks a free port
(printed). --target names the model: any registered target with memory
(ref, engine, ...). docs/external.md walks through both.`,
		examples: []example{
			{"vcheck serve --gdb 1234 prog.elf", "then: gdb-multiarch -ex 'set architecture riscv:rv64' -ex 'target remote :1234'"},
			{"vcheck serve --gdb 1234 --target engine --kernel u-boot.bin fw_jump.elf", "the engine, booting firmware and a kernel"},
			{"vcheck serve --rvfi-dii 5000", "then: runTestRIG.py -a manual --implementation-A-port 5000 ..."},
			{"vcheck serve --rvfi-dii 0 --json", "a free port, announced as JSON"},
		},
		exits: map[int]string{
			exitOK: "the server was stopped (Ctrl-C), or --once served its connection",
		},
		interrupt: true,
		flags:     serveFlags,
	})
}

// serveJSON is the --json output of vcheck serve: written once, when the
// servers listen.
type serveJSON struct {
	Target  string `json:"target"`
	Program string `json:"program,omitempty"`
	GDB     string `json:"gdb,omitempty"`
	RVFIDII string `json:"rvfi_dii,omitempty"`
}

func serveFlags(fs *flag.FlagSet) func(e *env) int {
	gdbAddr := fs.String("gdb", "", "serve PROGRAM to gdb on `PORT` (or HOST:PORT; 0: a free port)")
	rvfiAddr := fs.String("rvfi-dii", "", "serve RVFI-DII on `PORT` (or HOST:PORT; 0: a free port)")
	model := fs.String("target", "ref", "the model to serve: "+strings.Join(targets.ServedNames(), ", "))
	kernel := fs.String("kernel", "", "with --gdb: an ELF or raw `FILE` loaded as QEMU's -kernel")
	harts := fs.Int("harts", 1, "with --gdb: number of harts")
	once := fs.Bool("once", false, "serve one connection on each server, then exit")
	return func(e *env) int {
		if *gdbAddr == "" && *rvfiAddr == "" {
			return e.usagef("want --gdb PORT, --rvfi-dii PORT, or both")
		}
		if *gdbAddr != "" && len(e.args) != 1 {
			return e.usagef("--gdb serves a PROGRAM: want 1 argument, have %d", len(e.args))
		}
		if *gdbAddr == "" && len(e.args) != 0 {
			return e.usagef("--rvfi-dii serves no program (the engine injects the instructions): unexpected %q", e.args)
		}
		if _, err := targets.Lookup(*model); err != nil || strings.Contains(*model, ":") {
			return e.usagef("--target: %q is not a model to serve (have %s)", *model, strings.Join(targets.ServedNames(), ", "))
		}
		out := serveJSON{Target: *model}
		var listeners []net.Listener
		defer func() {
			for _, l := range listeners {
				l.Close()
			}
		}()
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		if *gdbAddr != "" {
			cfg, img, code := bootProgram(e, *harts, e.args[0], *kernel)
			if img == nil {
				return code
			}
			m, err := targets.New(*model, cfg, img)
			if err != nil {
				return e.errorf(exitInternal, "%v", err)
			}
			defer closeTarget(m)
			mem, ok := targets.Memory(m, img)
			if !ok {
				return e.usagef("--target %s: the model shows no memory to a debugger", *model)
			}
			l, err := listen(*gdbAddr)
			if err != nil {
				return e.errorf(exitInternal, "--gdb: %v", err)
			}
			listeners = append(listeners, l)
			out.Program, out.GDB = e.args[0], l.Addr().String()
			srv := gdb.NewServer(m, mem, cfg)
			srv.Log = e.stderr
			wg.Add(1)
			go serveOn(l, srv, *once, &wg, errs)
		}
		if *rvfiAddr != "" {
			srv, err := targets.RVFIServer(*model, spec.DefaultConfig())
			if err != nil {
				return e.errorf(exitInternal, "--rvfi-dii: %v", err)
			}
			srv.Log = e.stderr
			l, err := listen(*rvfiAddr)
			if err != nil {
				return e.errorf(exitInternal, "--rvfi-dii: %v", err)
			}
			listeners = append(listeners, l)
			out.RVFIDII = l.Addr().String()
			wg.Add(1)
			go serveOn(l, srv, *once, &wg, errs)
		}
		if e.json {
			if c := e.writeJSON(out); c != exitOK {
				return c
			}
		} else {
			if out.GDB != "" {
				fmt.Fprintf(e.stderr, "vcheck serve: gdb stub for %s running %s on %s (gdb-multiarch -ex 'target remote %s')\n", *model, out.Program, out.GDB, out.GDB)
			}
			if out.RVFIDII != "" {
				fmt.Fprintf(e.stderr, "vcheck serve: RVFI-DII implementation %s on %s\n", *model, out.RVFIDII)
			}
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-e.ctx.Done():
			return exitOK // the listeners close as serve returns; a session in progress ends with the process
		case <-done:
		}
		for {
			select {
			case err := <-errs:
				if err != nil {
					return e.errorf(exitInternal, "%v", err)
				}
			default:
				return exitOK
			}
		}
	}
}

// listen opens a listener on PORT (loopback) or HOST:PORT.
func listen(addr string) (net.Listener, error) {
	if !strings.Contains(addr, ":") {
		addr = "127.0.0.1:" + addr
	}
	return net.Listen("tcp", addr)
}

// server is what both servers can do.
type server interface {
	Serve(net.Listener) error
	ServeConn(net.Conn) error
}

// serveOn runs srv on l (one connection with once) and reports how it
// ended on errs.
func serveOn(l net.Listener, srv server, once bool, wg *sync.WaitGroup, errs chan<- error) {
	defer wg.Done()
	if !once {
		errs <- srv.Serve(l)
		return
	}
	c, err := l.Accept()
	if err == nil {
		err = srv.ServeConn(c)
		c.Close()
	}
	errs <- err
}
