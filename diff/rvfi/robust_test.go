package rvfi

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// fakeMachine retires every instruction as a no-op: enough to exercise
// the server's protocol handling.
type fakeMachine struct {
	pc     uint64
	mem    map[uint64]byte
	onStep func()
}

func (m *fakeMachine) Step() spec.Retire {
	if m.onStep != nil {
		m.onStep()
	}
	r := spec.Retire{PC: m.pc, NextPC: m.pc + 4, Mode: spec.ModeM, NextMode: spec.ModeM, Insn: 0x13}
	m.pc += 4
	return r
}
func (m *fakeMachine) Exit() spec.Exit { return spec.Exit{} }
func (m *fakeMachine) State(h int) spec.ArchState {
	return spec.ArchState{PC: m.pc, Mode: spec.ModeM, CSRs: map[uint16]uint64{}}
}
func (m *fakeMachine) ReadMem(pa uint64, b []byte) error {
	for i := range b {
		b[i] = m.mem[pa+uint64(i)]
	}
	return nil
}
func (m *fakeMachine) WriteMem(pa uint64, b []byte) error {
	for i, v := range b {
		m.mem[pa+uint64(i)] = v
	}
	return nil
}

func fakeServer() *Server {
	return &Server{New: func() (diff.Target, diff.Memory, error) {
		m := &fakeMachine{pc: ResetPC, mem: map[uint64]byte{}}
		return m, m, nil
	}, Timeout: time.Second}
}

// FuzzServer feeds arbitrary bytes to a server session: it must answer
// or end with an error, never panic or hang.
func FuzzServer(f *testing.F) {
	vers := InstructionPacket{Cmd: CmdEndOfTrace, Insn: VersMagic}.Encode()
	setv := InstructionPacket{Cmd: CmdSetVersion, Insn: 2}.Encode()
	ext := InstructionPacket{Cmd: CmdExtensions, Insn: 7}.Encode()
	insn := InstructionPacket{Cmd: CmdInstruction, Insn: 0x13}.Encode()
	f.Add(append(append(append(vers[:], setv[:]...), ext[:]...), insn[:]...))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xff, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := net.Pipe()
		done := make(chan error, 1)
		go func() { done <- fakeServer().ServeConn(a) }()
		go io.Copy(io.Discard, b)
		b.SetWriteDeadline(time.Now().Add(2 * time.Second))
		b.Write(in)
		b.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the server did not end after its peer hung up")
		}
	})
}

func TestServerRejectsUnknownCommand(t *testing.T) {
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- fakeServer().ServeConn(a) }()
	p := InstructionPacket{Cmd: 0x42, Insn: 7}.Encode()
	go b.Write(p[:])
	go io.Copy(io.Discard, b)
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "0x42") {
			t.Errorf("error %v does not name the unknown command", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no error")
	}
	b.Close()
}

// hostile serves one connection with reply and reports when it is done.
func hostile(t *testing.T, reply func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		reply(c)
	}()
	return l.Addr().String()
}

// TestClientAgainstHostileImplementations: an implementation that never
// answers, hangs up, answers garbage or sends a malformed packet ends
// the client with a clear error within its timeout.
func TestClientAgainstHostileImplementations(t *testing.T) {
	const timeout = 300 * time.Millisecond
	read8 := func(c net.Conn) { io.ReadFull(c, make([]byte, 8)) }
	for _, tc := range []struct {
		name  string
		reply func(c net.Conn)
		want  string
	}{
		{"silent", func(c net.Conn) { read8(c); time.Sleep(2 * time.Second); c.Close() }, "no answer within"},
		{"hangs up", func(c net.Conn) { read8(c); c.Close() }, "closed the connection"},
		{"half a packet", func(c net.Conn) { read8(c); c.Write(make([]byte, 40)); c.Close() }, "closed the connection"},
		{"not a halt", func(c net.Conn) { read8(c); b := EncodeV1(Execution{}); c.Write(b[:]); time.Sleep(time.Second) }, "not a halt packet"},
		{"bad version ack", func(c net.Conn) {
			read8(c)
			b := EncodeV1(Execution{Halt: 3})
			c.Write(b[:])
			read8(c)
			c.Write([]byte("garbage!garbage!"))
			time.Sleep(time.Second)
		}, "reply magic"},
		{"version 9", func(c net.Conn) {
			read8(c)
			b := EncodeV1(Execution{Halt: 3})
			c.Write(b[:])
			read8(c)
			c.Write(EncodeWord(magicVersion, 9))
			time.Sleep(time.Second)
		}, "version 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := hostile(t, tc.reply)
			start := time.Now()
			_, err := DialWith(addr, Options{Timeout: timeout})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if d := time.Since(start); d > timeout+10*time.Second { // ended by the timeout, not by waiting on the peer (generous: the machine may be loaded)
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestTargetFailsCleanlyMidRun: the implementation hangs up in the
// middle of a program; Lockstep returns an error wrapping
// diff.ErrTargetFailed (no panic escapes, no finding).
func TestTargetFailsCleanlyMidRun(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		// Serve the negotiation, the reset, the load and three steps, then hang up.
		steps := 0
		srv := &Server{New: func() (diff.Target, diff.Memory, error) {
			m := &fakeMachine{pc: ResetPC, mem: map[uint64]byte{}, onStep: func() {
				if steps++; steps > 3 {
					c.Close()
				}
			}}
			return m, m, nil
		}}
		srv.ServeConn(c)
	}()
	conn, err := DialWith(l.Addr().String(), Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	prog := &load.Program{Name: "p", Entry: ResetPC, Segments: []load.Segment{{Addr: ResetPC, Data: []byte{0x13, 0, 0, 0}, MemSize: 4}}}
	cfg := spec.DefaultConfig()
	cfg.ResetPC = ResetPC
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := NewTarget(conn, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	ref := &fakeMachine{pc: ResetPC}
	_, err = diff.Lockstep(ref, tg, diff.Options{Limit: 100, Sequential: true})
	if err == nil || !errors.Is(err, diff.ErrTargetFailed) {
		t.Fatalf("Lockstep: %v, want an error wrapping diff.ErrTargetFailed", err)
	}
}
