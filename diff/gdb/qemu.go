package gdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// QEMUCPU is the -cpu string that makes QEMU 7.2's rv64 CPU the rv64pg
// profile as closely as it can be (docs/refmodel.md): no F, D, H, V, no
// bit-manipulation, Sstc, Svpbmt, Svinval or Svnapot, no PMU counters;
// QEMU's default debug=true gives the trigger module rv64pg has.
const QEMUCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

// QEMUOptions start a QEMU to compare against.
type QEMUOptions struct {
	Binary string      // the emulator; "qemu-system-riscv64" when empty
	Config spec.Config // RAM, harts and time base; cfg.ResetPC must be the boot ROM
	Image  *boot.Image // what to load: the firmware and kernel segments are written out as ELF files
	// Console receives QEMU's standard output: the guest's UART.
	Console io.Writer
	// Stderr receives QEMU's own messages (nil: kept for error reports).
	Stderr io.Writer
	// NoICount runs QEMU on the host clock instead of -icount shift=0.
	NoICount bool
	Timeout  time.Duration // per gdb exchange (DefaultTimeout when zero)
	Extra    []string      // more QEMU arguments
}

// QEMU is a running qemu-system-riscv64, stopped at reset under a gdbstub
// on a loopback port, and the Target stepping it.
type QEMU struct {
	*Target
	Args []string // the command line, for reports

	cmd     *exec.Cmd
	dir     string
	stderr  *lockedBuffer
	done    chan struct{}
	waitErr error
	once    sync.Once
}

// StartQEMU starts QEMU with the image's program as -bios (and kernel as
// -kernel), -machine virt with QEMUCPU, -icount shift=0 when the time base
// is the default one (one mtime tick per 100 instructions = 10 MHz at one
// instruction per nanosecond, as docs/retire.md counts time), and -S with
// a gdbstub on a free loopback port, then connects to it. Close stops it;
// it also dies with this process (Linux: the parent-death signal).
func StartQEMU(opts QEMUOptions) (*QEMU, error) {
	cfg := opts.Config
	if cfg.Harts == 0 {
		cfg.Harts = 1
	}
	if opts.Image == nil {
		return nil, errors.New("qemu: no image to run")
	}
	if opts.Image.ResetPC != spec.BootROMBase {
		return nil, fmt.Errorf("qemu: the reset pc is %#x; QEMU virt always starts in its boot ROM at %#x", opts.Image.ResetPC, spec.BootROMBase)
	}
	if cfg.Variant != spec.VariantRV64PG {
		return nil, fmt.Errorf("qemu: QEMU implements rv64pg, not the %s variant", cfg.Variant)
	}
	if cfg.RAM%(1<<20) != 0 {
		return nil, fmt.Errorf("qemu: RAM = %d bytes: QEMU takes whole MiB", cfg.RAM)
	}
	bin := opts.Binary
	if bin == "" {
		bin = "qemu-system-riscv64"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("qemu: %w (Debian package qemu-system-misc)", err)
	}
	dir, err := os.MkdirTemp("", "vcheck-qemu-")
	if err != nil {
		return nil, err
	}
	fw, kernel, err := writeImage(dir, opts.Image)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		q, err := startQEMU(path, dir, fw, kernel, cfg, opts)
		if err == nil {
			return q, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

var icountArg = "shift=0"

var errPortTaken = errors.New("qemu: the gdb port was taken")

func startQEMU(path, dir, fw, kernel string, cfg spec.Config, opts QEMUOptions) (*QEMU, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	mem := strconv.FormatUint(cfg.RAM>>20, 10) + "M"
	args := []string{"-machine", "virt", "-cpu", QEMUCPU, "-smp", strconv.Itoa(cfg.Harts), "-m", mem,
		"-nographic", "-monitor", "none", "-bios", fw}
	if kernel != "" {
		args = append(args, "-kernel", kernel)
	}
	if !opts.NoICount {
		args = append(args, "-icount", icountArg)
	}
	args = append(args, "-gdb", "tcp:"+addr, "-S")
	args = append(args, opts.Extra...)
	q := &QEMU{Args: append([]string{path}, args...), dir: dir, stderr: &lockedBuffer{}, done: make(chan struct{})}
	q.cmd = exec.Command(path, args...)
	q.cmd.Stdin = nil
	q.cmd.Stdout = opts.Console
	if q.cmd.Stdout == nil {
		q.cmd.Stdout = io.Discard
	}
	q.cmd.Stderr = q.stderr
	if opts.Stderr != nil {
		q.cmd.Stderr = io.MultiWriter(q.stderr, opts.Stderr)
	}
	setDeathSignal(q.cmd)
	if err := q.cmd.Start(); err != nil {
		return nil, fmt.Errorf("qemu: starting %s: %w", path, err)
	}
	go func() {
		q.waitErr = q.cmd.Wait()
		close(q.done)
	}()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c, err := dialWhileRunning(addr, timeout, q.done)
	if err != nil {
		q.kill()
		msg := strings.TrimSpace(q.stderr.String())
		if strings.Contains(msg, "Address already in use") || strings.Contains(msg, "Failed to bind") {
			return nil, errPortTaken
		}
		if msg != "" {
			err = fmt.Errorf("%w\nQEMU said: %s", err, msg)
		}
		return nil, err
	}
	if err := writeFDT(c, opts.Image); err != nil {
		c.Close()
		q.kill()
		return nil, err
	}
	t, err := NewTarget(c, Options{Config: cfg, ToHost: opts.Image.ToHost})
	if err != nil {
		c.Close()
		q.kill()
		return nil, err
	}
	q.Target = t
	return q, nil
}

// writeFDT puts the image's device tree over QEMU's, at reset: QEMU's
// virt describes devices rv64pg does not have (flash, PCIe, virtio, an
// RTC), and firmware that parses the tree must read the same bytes on
// both sides of a comparison. QEMU's tree is zeroed past ours.
func writeFDT(c *Client, img *boot.Image) error {
	if len(img.FDT) == 0 || img.FDTAddr == 0 {
		return nil
	}
	hdr, err := c.ReadMemory(img.FDTAddr, 8)
	if err != nil {
		return fmt.Errorf("qemu: reading its device tree at %#x: %w", img.FDTAddr, err)
	}
	size := int(binary.BigEndian.Uint32(hdr[4:8])) // fdt_header.totalsize
	if binary.BigEndian.Uint32(hdr[:4]) != 0xd00dfeed || size > boot.QEMUFDTSize {
		return fmt.Errorf("qemu: no device tree at %#x (header %x)", img.FDTAddr, hdr)
	}
	data := append([]byte(nil), img.FDT...)
	if len(data) < size {
		data = append(data, make([]byte, size-len(data))...)
	}
	for off := 0; off < len(data); off += 0x200 {
		end := min(off+0x200, len(data))
		if err := c.WriteMemory(img.FDTAddr+uint64(off), data[off:end]); err != nil {
			return fmt.Errorf("qemu: writing the device tree: %w", err)
		}
	}
	return nil
}

// dialWhileRunning dials addr until it answers, QEMU exits, or timeout.
func dialWhileRunning(addr string, timeout time.Duration, done <-chan struct{}) (*Client, error) {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return NewClient(conn, addr, timeout)
		}
		select {
		case <-done:
			return nil, fmt.Errorf("qemu: exited before its gdbstub at %s answered", addr)
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("qemu: no gdbstub at %s after %s: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close stops QEMU and removes its files. It is safe to call more than
// once, and from a signal handler's goroutine.
func (q *QEMU) Close() error {
	q.once.Do(func() {
		if q.Target != nil {
			q.Target.c.Kill()
		}
		q.kill()
		os.RemoveAll(q.dir)
	})
	return nil
}

func (q *QEMU) kill() {
	select {
	case <-q.done:
		return
	default:
	}
	if q.cmd.Process != nil {
		q.cmd.Process.Kill()
	}
	select {
	case <-q.done:
	case <-time.After(5 * time.Second):
	}
}

// Stderr returns what QEMU wrote to its standard error.
func (q *QEMU) Stderr() string { return q.stderr.String() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("qemu: finding a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeImage writes the image's firmware (and kernel) segments as ELF
// files QEMU loads with -bios (and -kernel). The boot ROM and the device
// tree are QEMU's own, which boot.Build reproduces (docs/boot.md).
func writeImage(dir string, img *boot.Image) (fw, kernel string, err error) {
	var fwSegs, kSegs []elfSegment
	for _, s := range img.Segments {
		if s.Addr < spec.RAMBase || s.Addr == img.FDTAddr {
			continue
		}
		seg := elfSegment{addr: s.Addr, data: s.Data, memsz: s.MemSize}
		if img.NextAddr != 0 && s.Addr >= img.NextAddr {
			kSegs = append(kSegs, seg)
		} else {
			fwSegs = append(fwSegs, seg)
		}
	}
	if len(fwSegs) == 0 {
		return "", "", errors.New("qemu: the image has no firmware segment in RAM")
	}
	fw = filepath.Join(dir, "firmware.elf")
	if err := os.WriteFile(fw, buildELF(spec.RAMBase, fwSegs), 0o644); err != nil {
		return "", "", err
	}
	if len(kSegs) > 0 {
		kernel = filepath.Join(dir, "kernel.elf")
		if err := os.WriteFile(kernel, buildELF(img.NextAddr, kSegs), 0o644); err != nil {
			return "", "", err
		}
	}
	return fw, kernel, nil
}

type elfSegment struct {
	addr  uint64
	data  []byte
	memsz uint64
}

// buildELF writes a minimal RISC-V ELF64 executable: a header and one
// PT_LOAD program header per segment (ELF-64 Object File Format; RISC-V
// ELF psABI: EM_RISCV = 243, ELFCLASS64, little-endian).
func buildELF(entry uint64, segs []elfSegment) []byte {
	const ehSize, phSize = 64, 56
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, ehSize)
	copy(hdr, "\x7fELF")
	hdr[4], hdr[5], hdr[6] = 2, 1, 1 // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
	le.PutUint16(hdr[16:], 2)        // ET_EXEC
	le.PutUint16(hdr[18:], 243)      // EM_RISCV
	le.PutUint32(hdr[20:], 1)
	le.PutUint64(hdr[24:], entry)
	le.PutUint64(hdr[32:], ehSize) // e_phoff
	le.PutUint32(hdr[48:], 1)      // e_flags: EF_RISCV_RVC, soft-float ABI
	le.PutUint16(hdr[52:], ehSize)
	le.PutUint16(hdr[54:], phSize)
	le.PutUint16(hdr[56:], uint16(len(segs)))
	le.PutUint16(hdr[58:], 64) // e_shentsize
	b.Write(hdr)
	off := uint64(ehSize + phSize*len(segs))
	for _, s := range segs {
		ph := make([]byte, phSize)
		le.PutUint32(ph[0:], 1) // PT_LOAD
		le.PutUint32(ph[4:], 7) // RWX
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], s.addr)
		le.PutUint64(ph[24:], s.addr)
		le.PutUint64(ph[32:], uint64(len(s.data)))
		le.PutUint64(ph[40:], max(s.memsz, uint64(len(s.data))))
		le.PutUint64(ph[48:], 4)
		b.Write(ph)
		off += uint64(len(s.data))
	}
	for _, s := range segs {
		b.Write(s.data)
	}
	return b.Bytes()
}

// lockedBuffer is a bytes.Buffer safe for QEMU's stderr copier and readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
