package gdb

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/spec"
)

// Server is a gdbstub for a model (diff.Target): registers (x0-x31, pc, the
// privilege mode as QEMU's "priv", every CSR of spec.CSRs), memory
// (through the selected hart's translation), software breakpoints,
// single step and continue, one thread per hart. Register writes are
// refused: the models have no way to set them from outside.
type Server struct {
	m    diff.Target
	mem  diff.Memory
	cfg  spec.Config
	mm   memoryMap
	Log  io.Writer // protocol errors and connections, or nil
	mu   sync.Mutex
	bps  map[uint64]bool
	stop StopReply
}

// NewServer serves m (with its memory, which may be nil) of config cfg.
func NewServer(m diff.Target, mem diff.Memory, cfg spec.Config) *Server {
	if cfg.Harts == 0 {
		cfg.Harts = 1
	}
	return &Server{m: m, mem: mem, cfg: cfg, mm: newMemoryMap(cfg), bps: map[uint64]bool{},
		stop: StopReply{Kind: 'T', Signal: 5, Thread: "1"}}
}

// Serve accepts connections on l, one at a time (a debugger session owns
// the machine), until l is closed.
func (s *Server) Serve(l net.Listener) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		s.logf("gdb: connection from %s", conn.RemoteAddr())
		if err := s.ServeConn(conn); err != nil {
			s.logf("gdb: %s: %v", conn.RemoteAddr(), err)
		}
		conn.Close()
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, format+"\n", args...)
	}
}

// session is one connection's state.
type session struct {
	s      *Server
	conn   net.Conn
	in     chan item
	errc   chan error
	noAck  bool
	phys   bool // memory requests take physical addresses (Qqemu.PhyMemMode, as QEMU's stub)
	hartG  int  // hart of register and memory requests (Hg)
	hartC  int  // hart of step requests (Hc, vCont)
	closed bool
}

// ServeConn runs the protocol on one connection until the debugger
// detaches, kills, hangs up, or sends something that is not the protocol.
// A peer that sends nothing is waited for: a debugger may sit at a prompt.
func (s *Server) ServeConn(conn net.Conn) error {
	ss := &session{s: s, conn: conn, in: make(chan item, 16), errc: make(chan error, 1)}
	go func() {
		r := bufio.NewReaderSize(conn, 1<<16)
		for {
			it, err := readItem(r)
			if err != nil {
				ss.errc <- err
				close(ss.in)
				return
			}
			ss.in <- it
		}
	}()
	for {
		it, ok := <-ss.in
		if !ok {
			err := <-ss.errc
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		switch it.kind {
		case '+', '-', 0x03:
			continue
		}
		if it.bad {
			if _, err := conn.Write([]byte{'-'}); err != nil {
				return err
			}
			continue
		}
		if !ss.noAck {
			if _, err := conn.Write([]byte{'+'}); err != nil {
				return err
			}
		}
		reply, err := ss.handle(string(it.payload))
		if err != nil {
			return err
		}
		if reply != nil {
			if err := ss.reply(*reply); err != nil {
				return err
			}
		}
		if ss.closed {
			return nil
		}
	}
}

func (ss *session) reply(p string) error {
	ss.conn.SetWriteDeadline(time.Now().Add(DefaultTimeout))
	_, err := ss.conn.Write(Frame([]byte(p)))
	return err
}

func str(s string) *string { return &s }

// handle answers one packet; a nil reply sends nothing.
func (ss *session) handle(p string) (*string, error) {
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case p == "?":
		return str(ss.stopString()), nil
	case strings.HasPrefix(p, "qSupported"):
		return str("PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+"), nil
	case p == "QStartNoAckMode":
		if err := ss.reply("OK"); err != nil {
			return nil, err
		}
		ss.noAck = true
		return nil, nil
	case strings.HasPrefix(p, "qXfer:features:read:"):
		return str(ss.xfer(strings.TrimPrefix(p, "qXfer:features:read:"))), nil
	case p == "qfThreadInfo":
		var ids []string
		for i := 1; i <= s.cfg.Harts; i++ {
			ids = append(ids, strconv.FormatInt(int64(i), 16))
		}
		return str("m" + strings.Join(ids, ",")), nil
	case p == "qsThreadInfo":
		return str("l"), nil
	case p == "qC":
		return str(fmt.Sprintf("QC%x", ss.hartG+1)), nil
	case p == "qAttached":
		return str("1"), nil
	case strings.HasPrefix(p, "qThreadExtraInfo,"):
		h, err := ss.thread(strings.TrimPrefix(p, "qThreadExtraInfo,"), false)
		if err != nil {
			return str("E01"), nil
		}
		return str(hex.EncodeToString([]byte(fmt.Sprintf("hart %d", h)))), nil
	case strings.HasPrefix(p, "H"):
		if len(p) < 2 {
			return str("E01"), nil
		}
		h, err := ss.thread(p[2:], true)
		if err != nil {
			return str("E01"), nil
		}
		if p[1] == 'g' {
			ss.hartG = h
		} else {
			ss.hartC = h
		}
		return str("OK"), nil
	case strings.HasPrefix(p, "T"):
		if _, err := ss.thread(p[1:], false); err != nil {
			return str("E01"), nil
		}
		return str("OK"), nil
	case p == "g":
		st := s.m.State(ss.hartG)
		var b strings.Builder
		for i := 0; i < 32; i++ {
			b.WriteString(encodeLE(st.X[i], 8))
		}
		b.WriteString(encodeLE(st.PC, 8))
		return str(b.String()), nil
	case strings.HasPrefix(p, "p"):
		n, err := strconv.ParseUint(p[1:], 16, 32)
		if err != nil {
			return str("E01"), nil
		}
		v, ok := ss.register(int(n))
		if !ok {
			return str("E0e"), nil
		}
		return str(encodeLE(v, 8)), nil
	case strings.HasPrefix(p, "P"), strings.HasPrefix(p, "G"):
		return str("E0d"), nil // the models cannot take register writes
	case strings.HasPrefix(p, "m"):
		return str(ss.readMem(p[1:])), nil
	case strings.HasPrefix(p, "M"):
		return str(ss.writeMem(p[1:])), nil
	case strings.HasPrefix(p, "Z0,"), strings.HasPrefix(p, "Z1,"), strings.HasPrefix(p, "z0,"), strings.HasPrefix(p, "z1,"):
		f := strings.Split(p[3:], ",")
		a, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return str("E01"), nil
		}
		if p[0] == 'Z' {
			s.bps[a] = true
		} else {
			delete(s.bps, a)
		}
		return str("OK"), nil
	case p == "qqemu.PhyMemMode":
		if ss.phys {
			return str("1"), nil
		}
		return str("0"), nil
	case strings.HasPrefix(p, "Qqemu.PhyMemMode:"):
		ss.phys = strings.HasSuffix(p, ":1")
		return str("OK"), nil
	case p == "vCont?":
		return str("vCont;c;C;s;S"), nil
	case strings.HasPrefix(p, "vCont;"):
		return ss.vCont(p[6:])
	case p == "s" || strings.HasPrefix(p, "s"):
		return str(ss.run(true, ss.hartC)), nil
	case p == "c" || strings.HasPrefix(p, "c"):
		return ss.cont()
	case p == "D" || strings.HasPrefix(p, "D;"):
		ss.closed = true
		return str("OK"), nil
	case p == "k":
		ss.closed = true
		return nil, nil
	}
	return str(""), nil // unsupported: the empty reply
}

// thread parses a thread id (hex, 1-based; "-1" and "0" mean any).
func (ss *session) thread(id string, any bool) (int, error) {
	if i := strings.LastIndexByte(id, '.'); i >= 0 { // multiprocess pP.T
		id = id[i+1:]
	}
	if id == "-1" || id == "0" {
		if any {
			return 0, nil
		}
		return 0, errors.New("no such thread")
	}
	n, err := strconv.ParseUint(id, 16, 32)
	if err != nil || n < 1 || int(n) > ss.s.cfg.Harts {
		return 0, errors.New("no such thread")
	}
	return int(n) - 1, nil
}

// Register numbers, as QEMU's RISC-V gdbstub without F numbers them:
// x0-x31, pc (32), priv (33), then CSR n at 34+n.
const (
	regPC      = 32
	regPriv    = 33
	regCSRBase = 34
)

func (ss *session) register(n int) (uint64, bool) {
	st := ss.s.m.State(ss.hartG)
	switch {
	case n < 32:
		return st.X[n], true
	case n == regPC:
		return st.PC, true
	case n == regPriv:
		return uint64(st.Mode), true
	case n >= regCSRBase && n < regCSRBase+4096:
		v, ok := st.CSRs[uint16(n-regCSRBase)]
		return v, ok
	}
	return 0, false
}

func (ss *session) stopString() string {
	st := ss.s.stop
	switch st.Kind {
	case 'W':
		return fmt.Sprintf("W%02x", st.Signal&0xff)
	}
	s := fmt.Sprintf("T%02xthread:%s;", st.Signal, st.Thread)
	if st.Reason != "" {
		s += st.Reason + ":;"
	}
	return s
}

// vCont handles "c", "s:tid", "c:tid", combinations: a step of one hart
// (the others wait) or a continue of all.
func (ss *session) vCont(args string) (*string, error) {
	for _, a := range strings.Split(args, ";") {
		act, tid, _ := strings.Cut(a, ":")
		switch act {
		case "s", "S":
			h := ss.hartC
			if tid != "" {
				var err error
				if h, err = ss.thread(tid, true); err != nil {
					return str("E01"), nil
				}
			}
			return str(ss.run(true, h)), nil
		}
	}
	return ss.cont()
}

func (ss *session) cont() (*string, error) {
	return str(ss.run(false, 0)), nil
}

// run steps the machine: one step of hart (step), or until a breakpoint,
// the exit or an interrupt from the debugger (continue).
func (ss *session) run(step bool, hart int) string {
	s := ss.s
	if s.m.Exit().Reason != spec.Running {
		s.stop = StopReply{Kind: 'W', Signal: s.m.Exit().Code}
		return ss.stopString()
	}
	pcs := make([]uint64, s.cfg.Harts)
	for h := range pcs {
		pcs[h] = s.m.State(h).PC
	}
	for n := 0; ; n++ {
		// Before each step: is any hart at a breakpoint? (Not before the
		// first step of a continue: it resumes from one.)
		if !step && n > 0 && len(s.bps) > 0 {
			for h, pc := range pcs {
				if s.bps[pc] {
					s.stop = StopReply{Kind: 'T', Signal: 5, Thread: strconv.FormatInt(int64(h+1), 16), Reason: "swbreak"}
					ss.hartG, ss.hartC = h, h
					return ss.stopString()
				}
			}
		}
		if !step && n%4096 == 4095 && ss.interrupted() {
			s.stop = StopReply{Kind: 'T', Signal: 2, Thread: strconv.FormatInt(int64(ss.hartC+1), 16)}
			return ss.stopString()
		}
		r := s.m.Step()
		if r.Hart >= 0 && r.Hart < len(pcs) {
			pcs[r.Hart] = r.NextPC
		}
		if e := s.m.Exit(); e.Reason != spec.Running {
			s.stop = StopReply{Kind: 'W', Signal: e.Code}
			return ss.stopString()
		}
		if step && r.Hart == hart {
			s.stop = StopReply{Kind: 'T', Signal: 5, Thread: strconv.FormatInt(int64(hart+1), 16)}
			ss.hartG = hart
			return ss.stopString()
		}
		if step && n > 64*s.cfg.Harts {
			s.stop = StopReply{Kind: 'T', Signal: 5, Thread: strconv.FormatInt(int64(r.Hart+1), 16)}
			return ss.stopString()
		}
	}
}

// interrupted reports whether the debugger sent ^C (or anything else:
// a packet during a continue is taken as a request to stop, as QEMU does).
func (ss *session) interrupted() bool {
	select {
	case it, ok := <-ss.in:
		if !ok {
			ss.closed = true
			return true
		}
		return it.kind == 0x03 || it.kind == '$'
	default:
		return false
	}
}

// translate gives the physical address of va for the selected hart's
// data accesses, and whether it is readable memory.
func (ss *session) translate(va, n uint64) (uint64, bool) {
	if ss.phys {
		return va, ss.s.mm.readable(va, n)
	}
	st := ss.s.m.State(ss.hartG)
	mode := dataMode(st.Mode, st.CSRs[spec.CSRMstatus])
	satp := st.CSRs[spec.CSRSatp]
	pa := va
	if !bare(mode, satp) {
		var ok bool
		pa, _, ok = walk(va, satp, func(p uint64) (uint64, bool) {
			if !ss.s.mm.ram(p, 8) || ss.s.mem == nil {
				return 0, false
			}
			var b [8]byte
			if ss.s.mem.ReadMem(p, b[:]) != nil {
				return 0, false
			}
			return le64(b[:]), true
		})
		if !ok {
			return 0, false
		}
	}
	return pa, ss.s.mm.readable(pa, n)
}

func (ss *session) readMem(args string) string {
	a, l, ok := strings.Cut(args, ",")
	addr, err1 := strconv.ParseUint(a, 16, 64)
	n, err2 := strconv.ParseUint(l, 16, 32)
	if !ok || err1 != nil || err2 != nil || n > 0x1000 || ss.s.mem == nil {
		return "E01"
	}
	var out []byte
	for n > 0 {
		chunk := min(n, 4096-addr%4096)
		pa, ok := ss.translate(addr, chunk)
		if !ok {
			break
		}
		buf := make([]byte, chunk)
		if ss.s.mem.ReadMem(pa, buf) != nil {
			break
		}
		out = append(out, buf...)
		addr += chunk
		n -= chunk
	}
	if len(out) == 0 {
		return "E14"
	}
	return hex.EncodeToString(out)
}

func (ss *session) writeMem(args string) string {
	head, data, ok := strings.Cut(args, ":")
	a, l, ok2 := strings.Cut(head, ",")
	addr, err1 := strconv.ParseUint(a, 16, 64)
	n, err2 := strconv.ParseUint(l, 16, 32)
	b, err3 := hex.DecodeString(data)
	if !ok || !ok2 || err1 != nil || err2 != nil || err3 != nil || uint64(len(b)) != n || ss.s.mem == nil {
		return "E01"
	}
	pa, ok := ss.translate(addr, n)
	if !ok || !ss.s.mm.ram(pa, n) || addr>>12 != (addr+n-1)>>12 && n > 0 {
		return "E14"
	}
	if ss.s.mem.WriteMem(pa, b) != nil {
		return "E14"
	}
	return "OK"
}

// xfer serves the target description documents.
func (ss *session) xfer(args string) string {
	name, rng, ok := strings.Cut(args, ":")
	if !ok {
		return "E00"
	}
	o, l, ok := strings.Cut(rng, ",")
	off, err1 := strconv.ParseUint(o, 16, 32)
	n, err2 := strconv.ParseUint(l, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return "E00"
	}
	doc, ok := targetDocs()[name]
	if !ok {
		return "E00"
	}
	if off >= uint64(len(doc)) {
		return "l"
	}
	end := min(uint64(len(doc)), off+n)
	kind := "m"
	if end == uint64(len(doc)) {
		kind = "l"
	}
	return kind + doc[off:end]
}

var (
	docsOnce sync.Once
	docs     map[string]string
)

// targetDocs are the target description: GDB's RISC-V cpu feature, the
// virtual feature with priv (as QEMU has it), and the CSRs of spec.CSRs.
func targetDocs() map[string]string {
	docsOnce.Do(func() {
		var cpu strings.Builder
		cpu.WriteString(`<?xml version="1.0"?><!DOCTYPE feature SYSTEM "gdb-target.dtd"><feature name="org.gnu.gdb.riscv.cpu">`)
		for i, n := range abiNames {
			typ := "int"
			switch n {
			case "ra":
				typ = "code_ptr"
			case "sp", "gp", "tp", "fp":
				typ = "data_ptr"
			}
			fmt.Fprintf(&cpu, `<reg name="%s" bitsize="64" type="%s" regnum="%d"/>`, n, typ, i)
		}
		fmt.Fprintf(&cpu, `<reg name="pc" bitsize="64" type="code_ptr" regnum="%d"/></feature>`, regPC)
		virt := fmt.Sprintf(`<?xml version="1.0"?><!DOCTYPE feature SYSTEM "gdb-target.dtd"><feature name="org.gnu.gdb.riscv.virtual"><reg name="priv" bitsize="64" regnum="%d"/></feature>`, regPriv)
		var csr strings.Builder
		csr.WriteString(`<?xml version="1.0"?><!DOCTYPE feature SYSTEM "gdb-target.dtd"><feature name="org.gnu.gdb.riscv.csr">`)
		rows := append([]spec.CSR(nil), spec.CSRs...)
		sort.Slice(rows, func(i, j int) bool { return rows[i].Addr < rows[j].Addr })
		for _, c := range rows {
			fmt.Fprintf(&csr, `<reg name="%s" bitsize="64" regnum="%d" group="csr"/>`, c.Name, regCSRBase+int(c.Addr))
		}
		csr.WriteString(`</feature>`)
		docs = map[string]string{
			"target.xml": `<?xml version="1.0"?><!DOCTYPE target SYSTEM "gdb-target.dtd"><target><architecture>riscv:rv64</architecture>` +
				`<xi:include href="riscv-64bit-cpu.xml"/><xi:include href="riscv-64bit-virtual.xml"/><xi:include href="riscv-csr.xml"/></target>`,
			"riscv-64bit-cpu.xml":     cpu.String(),
			"riscv-64bit-virtual.xml": virt,
			"riscv-csr.xml":           csr.String(),
		}
	})
	return docs
}
