package gdb

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// fakeMachine retires every step as a no-op at pc+4, in M-mode.
type fakeMachine struct {
	pc     uint64
	onStep func()
}

func (m *fakeMachine) Step() spec.Retire {
	if m.onStep != nil {
		m.onStep()
	}
	r := spec.Retire{PC: m.pc, NextPC: m.pc + 4, Insn: 0x13, Mode: spec.ModeM, NextMode: spec.ModeM}
	m.pc += 4
	return r
}
func (m *fakeMachine) Exit() spec.Exit { return spec.Exit{} }
func (m *fakeMachine) State(h int) spec.ArchState {
	if h != 0 {
		return spec.ArchState{Hart: -1}
	}
	return spec.ArchState{PC: m.pc, Mode: spec.ModeM, CSRs: map[uint16]uint64{spec.CSRMtvec: 0x80001000}}
}

type fakeMem struct{}

func (fakeMem) ReadMem(pa uint64, b []byte) error {
	for i := range b {
		b[i] = []byte{0x13, 0, 0, 0}[(pa+uint64(i))%4] // addi x0, x0, 0 everywhere
	}
	return nil
}
func (fakeMem) WriteMem(uint64, []byte) error { return nil }

// FuzzServerConn feeds arbitrary bytes to the gdbstub: it must answer
// each packet or end the session with an error, never panic or hang.
func FuzzServerConn(f *testing.F) {
	for _, s := range []string{"$qSupported#37$g#67$s#73", "$m80000000,4#00$p21#00$Z0,80000010,4#00$c#63", "$QStartNoAckMode#b0$vCont;s:1#00$D#44", "$Hg0#df$qXfer:features:read:target.xml:0,ffb#00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := net.Pipe()
		srv := NewServer(&fakeMachine{pc: 0x80000000}, fakeMem{}, spec.DefaultConfig())
		done := make(chan error, 1)
		go func() { done <- srv.ServeConn(a) }()
		go io.Copy(io.Discard, b)
		b.SetWriteDeadline(time.Now().Add(2 * time.Second))
		b.Write(in)
		b.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the stub did not end after its peer hung up")
		}
	})
}

// stub runs a scripted stub on one connection: for each packet it reads,
// answer returns the reply ("" sends nothing).
func stub(t *testing.T, answer func(p string) (reply string, hangup bool)) string {
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
		defer c.Close()
		r := bufio.NewReader(c)
		last := ""
		for {
			it, err := readItem(r)
			if err != nil {
				return
			}
			if it.kind == '-' && last != "" {
				c.Write([]byte(last)) // resend on a nack, as stubs do
				continue
			}
			if it.kind != '$' {
				continue
			}
			c.Write([]byte("+"))
			reply, hangup := answer(string(it.payload))
			if hangup {
				return
			}
			if reply != "" {
				c.Write([]byte(reply))
				last = reply
			}
		}
	}()
	return l.Addr().String()
}

// honest answers the handshake as a minimal stub would.
func honest(p string) string {
	switch {
	case strings.HasPrefix(p, "qSupported"):
		return string(Frame([]byte("PacketSize=1000")))
	case p == "qfThreadInfo":
		return string(Frame([]byte("m1")))
	case p == "qsThreadInfo":
		return string(Frame([]byte("l")))
	case p == "g":
		return string(Frame([]byte(strings.Repeat("00", 33*8))))
	case strings.HasPrefix(p, "m"):
		return string(Frame([]byte("13000000")))
	}
	return string(Frame(nil))
}

// TestClientAgainstHostileStubs: a stub that never answers, hangs up,
// answers garbage, sends a packet too long, or answers the wrong thing
// ends the client with a clear error within its timeout, not a hang or
// a panic.
func TestClientAgainstHostileStubs(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name string
		ans  func(p string) (string, bool)
		want string
	}{
		{"silent", func(p string) (string, bool) { return "", false }, "no answer within"},
		{"hangs up", func(p string) (string, bool) { return "", true }, "closed the connection"},
		{"bad checksums", func(p string) (string, bool) { return "$OK#00", false }, "bad checksum"},
		{"too long", func(p string) (string, bool) { return "$" + strings.Repeat("a", MaxPacket+10) + "#00", false }, "longer than"},
		{"nack", func(p string) (string, bool) { return "-", false }, "nack"},
		{"wrong g", func(p string) (string, bool) {
			if p == "g" {
				return string(Frame([]byte("zz"))), false
			}
			return honest(p), false
		}, "'g' reply"},
		{"short g", func(p string) (string, bool) {
			if p == "g" {
				return string(Frame([]byte("0000000000000000"))), false
			}
			return honest(p), false
		}, "holds 1 registers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := stub(t, tc.ans)
			start := time.Now()
			c, err := Dial(addr, timeout)
			if err == nil {
				_, err = NewTarget(c, Options{Config: spec.DefaultConfig()})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if d := time.Since(start); d > timeout+10*time.Second { // ended by the timeout, not by waiting on the peer (generous: the machine may be loaded)
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestStepFailsCleanly: the stub stops answering a single step; the
// run ends with an error wrapping diff.ErrTargetFailed, within the
// timeout.
func TestStepFailsCleanly(t *testing.T) {
	for _, tc := range []struct {
		name string
		step func() (string, bool)
		want string
	}{
		{"hangs", func() (string, bool) { return "", false }, "no answer within"},
		{"hangs up", func() (string, bool) { return "", true }, "closed the connection"},
		{"garbage", func() (string, bool) { return string(Frame([]byte("Q42"))), false }, "unexpected stop reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := stub(t, func(p string) (string, bool) {
				if p == "s" || strings.HasPrefix(p, "vCont;s") {
					return tc.step()
				}
				return honest(p), false
			})
			c, err := Dial(addr, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := NewTarget(c, Options{Config: spec.DefaultConfig()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = diff.Lockstep(&fakeMachine{}, tg, diff.Options{Limit: 10, Sequential: true})
			if err == nil || !errors.Is(err, diff.ErrTargetFailed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Lockstep: %v", err)
			}
		})
	}
}
