package targets

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/diff/rvfi"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// rvfi:HOST:PORT is any RVFI-DII implementation (TestRIG's protocol,
// docs/rvfi.md). One connection serves every program of a run: each
// target resets the implementation (EndOfTrace) and loads its program.
func init() {
	RegisterPrefix("rvfi", func(arg string) (Factory, error) {
		if _, _, err := net.SplitHostPort(arg); err != nil {
			return nil, fmt.Errorf("want rvfi:HOST:PORT: %v", err)
		}
		return func(cfg spec.Config, img *boot.Image) (diff.Target, error) {
			rvfiConns.Lock()
			defer rvfiConns.Unlock()
			for attempt := 0; ; attempt++ {
				conn := rvfiConns.m[arg]
				if conn == nil {
					c, err := rvfi.Dial(arg, 0)
					if err != nil {
						return nil, err
					}
					conn = c
					rvfiConns.m[arg] = c
				}
				t, err := rvfi.NewTarget(conn, cfg, img)
				if err == nil {
					return t, nil
				}
				// A connection that failed is not reused; a fresh one is
				// tried once.
				conn.Close()
				delete(rvfiConns.m, arg)
				if attempt > 0 || !isConnError(err) {
					return nil, err
				}
			}
		}, nil
	})
	RegisterConfig("rvfi", func(cfg *spec.Config) { cfg.ResetPC = rvfi.ResetPC })
}

// rvfiConns are the open connections by address: one serves every
// program of a run (and of every lookup of the same name).
var rvfiConns = struct {
	sync.Mutex
	m map[string]*rvfi.Conn
}{m: map[string]*rvfi.Conn{}}

// CloseConnections closes the open rvfi: connections (a command that
// is done with its targets calls it).
func CloseConnections() {
	rvfiConns.Lock()
	defer rvfiConns.Unlock()
	for addr, c := range rvfiConns.m {
		c.Close()
		delete(rvfiConns.m, addr)
	}
}

// isConnError reports whether err is the connection's, not the program's.
func isConnError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// RVFIServer returns an RVFI-DII server for the registered model name:
// every EndOfTrace builds a fresh model at TestRIG's reset state (pc
// 0x80000000 in M-mode, registers and memory zero) with cfg's RAM.
func RVFIServer(name string, cfg spec.Config) (*rvfi.Server, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	cfg.ResetPC = rvfi.ResetPC
	cfg.Harts = 1
	// The machine's own boot ROM and device tree (of a program without a
	// kernel), RAM otherwise zero: the reset of RVFI-DII, on our platform.
	img, err := boot.Build(cfg, &load.Program{Name: "rvfi-dii", Entry: rvfi.ResetPC}, nil)
	if err != nil {
		return nil, err
	}
	build := func() (diff.Target, diff.Memory, error) {
		t, err := f(cfg, img)
		if err != nil {
			return nil, nil, fmt.Errorf("target %s: %w", name, err)
		}
		mem, ok := Memory(t, img)
		if !ok {
			return nil, nil, fmt.Errorf("target %s: has no memory the server can inject instructions into", name)
		}
		return t, mem, nil
	}
	if _, _, err := build(); err != nil {
		return nil, err
	}
	return &rvfi.Server{New: build}, nil
}
