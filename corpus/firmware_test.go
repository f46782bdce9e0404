package corpus_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/fuzz"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// The firmware QEMU virt boots: Debian's OpenSBI fw_jump (package
// opensbi, QEMU -bios) and U-Boot for S-mode (package u-boot-qemu, QEMU
// -kernel, entered by fw_jump at 0x80200000).
const (
	openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
	uBoot   = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
)

// consoleMachine is what both models offer beyond diff.Target: a console
// and the count of retired instructions, the clock of the input line.
type consoleMachine interface {
	diff.Target
	SetConsole(in io.Reader, out io.Writer)
	Retired() uint64
}

// keystroke is one byte of console input and the instruction count (the
// machine's Retired) from which it is on the line.
type keystroke struct {
	b  byte
	at uint64
}

// typeAt schedules s from instruction count start, one byte every gap
// instructions.
func typeAt(s string, start, gap uint64) []keystroke {
	var ks []keystroke
	for i := range len(s) {
		ks = append(ks, keystroke{s[i], start + uint64(i)*gap})
	}
	return ks
}

// timedInput is the input line of one machine: each byte arrives at a
// fixed instruction count of that machine. Both models sample their UART
// input at timer ticks (after the retired instruction that makes the
// count a multiple of TimebaseDiv, docs/devices.md), while the receiver
// has room, as QEMU's chardev delivers into the 16550; paced by the
// machine's own instruction count, a byte is in both receivers from the
// same tick on, whether or not the guest touches the UART.
type timedInput struct {
	clock func() uint64
	keys  []keystroke
}

func (r *timedInput) Read(b []byte) (int, error) {
	if len(b) == 0 || len(r.keys) == 0 || r.clock() < r.keys[0].at {
		return 0, nil // nothing on the line yet; never EOF: the line stays open
	}
	b[0] = r.keys[0].b
	r.keys = r.keys[1:]
	return 1, nil
}

// firmwareRun is one lockstep run of ref and engine over a firmware
// image, each with its own console and its own copy of the input.
type firmwareRun struct {
	res      diff.Result
	ref, eng string // what each printed
	elapsed  time.Duration
}

func lockstepFirmware(t *testing.T, img *boot.Image, cfg spec.Config, keys []keystroke, limit uint64) firmwareRun {
	t.Helper()
	var outs [2]bytes.Buffer
	var ms [2]diff.Target
	for i, name := range []string{"ref", "engine"} {
		f, err := targets.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		tg, err := f(cfg, img)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, ok := tg.(consoleMachine)
		if !ok {
			t.Fatalf("%s (%T) has no SetConsole(io.Reader, io.Writer) and Retired() uint64", name, tg)
		}
		// Each target runs on its own goroutine (diff's default mode), so
		// each has its own writer and its own reader over a copy of keys.
		m.SetConsole(&timedInput{clock: m.Retired, keys: append([]keystroke(nil), keys...)}, &outs[i])
		ms[i] = fuzz.ArchExit(m)
	}
	start := time.Now()
	res, err := diff.Lockstep(ms[0], ms[1], diff.Options{Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return firmwareRun{res: res, ref: outs[0].String(), eng: outs[1].String(), elapsed: time.Since(start)}
}

// check fails the test on a divergence or on consoles that differ, and
// logs the figures.
func (r firmwareRun) check(t *testing.T) {
	t.Helper()
	t.Logf("%d records compared in %v (%.1f M records/s); exits: ref %s, engine %s",
		r.res.Compared, r.elapsed.Round(time.Millisecond), float64(r.res.Compared)/r.elapsed.Seconds()/1e6, r.res.ExitA, r.res.ExitB)
	if r.res.Divergence != nil {
		t.Fatalf("%s\nref console:\n%s", r.res.Divergence.Text("ref", "engine", fuzz.Disasm), r.ref)
	}
	if r.ref != r.eng {
		t.Fatalf("consoles differ\nref:\n%s\nengine:\n%s", r.ref, r.eng)
	}
}

func firmwareImage(t *testing.T, cfg spec.Config, withUBoot bool) *boot.Image {
	t.Helper()
	fw, err := load.File(testtool.File(t, openSBI), spec.RAMBase)
	if err != nil {
		t.Fatal(err)
	}
	var k *load.Program
	if withUBoot {
		k, err = load.File(testtool.File(t, uBoot), spec.RAMBase+0x200000)
		if err != nil {
			t.Fatal(err)
		}
	}
	img, err := boot.Build(cfg, fw, k)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFirmwareLockstep runs ref and engine in lockstep (diff's default
// mode: every field of every record) over the two firmware boots the
// open issue names, on one hart, and requires zero divergences and the
// same console text.
func TestFirmwareLockstep(t *testing.T) {
	// OpenSBI alone prints its banner and what it probed of the hart,
	// then (~6.3 M instructions in) enters S-mode at 0x80200000, where no
	// kernel is: the zero word there traps to OpenSBI, which hands it back
	// to S-mode, again and again. The limit takes in all of that.
	t.Run("opensbi", func(t *testing.T) {
		cfg := spec.DefaultConfig()
		const limit = 8_000_000
		r := lockstepFirmware(t, firmwareImage(t, cfg, false), cfg, nil, limit)
		r.check(t)
		if !strings.Contains(r.ref, "OpenSBI v") || !strings.Contains(r.ref, "Boot HART MEDELEG") {
			t.Fatalf("no OpenSBI banner through \"Boot HART MEDELEG\" in %d records; console:\n%s", r.res.Compared, r.ref)
		}
		if r.res.ExitA.Reason != spec.Running {
			t.Fatalf("stopped with %s; OpenSBI without a kernel never exits", r.res.ExitA)
		}
	})
	// OpenSBI, then U-Boot: a key stops the autoboot countdown, and
	// "poweroff" typed at the prompt ends in the finisher's pass. U-Boot
	// waits on the timer (mtime: one tick every TimebaseDiv instructions):
	// its countdown polls the keyboard every 10 ms, and poweroff waits
	// 100 ms before it asks OpenSBI to power off, which at the default
	// TimebaseDiv 100 is 100 M instructions of a timer loop, three
	// quarters of the run. So go test runs it at TimebaseDiv 10 (the same
	// code, every record compared, ~32 M records, ~10 s) and the opt-in
	// -tags long also at the default (~132 M records, ~45 s).
	uboot := func(t *testing.T, timebaseDiv, poweroffAt uint64, limit uint64) {
		cfg := spec.DefaultConfig()
		cfg.TimebaseDiv = timebaseDiv
		// The countdown starts ~14.8 M instructions in; the key comes
		// during it, "poweroff" once the prompt is there.
		keys := append(typeAt("x", 16_000_000, 0), typeAt("poweroff\n", poweroffAt, 200_000)...)
		r := lockstepFirmware(t, firmwareImage(t, cfg, true), cfg, keys, limit)
		r.check(t)
		for _, want := range []string{"OpenSBI v", "U-Boot 20", "Hit any key to stop autoboot", "=> poweroff", "poweroff ..."} {
			if !strings.Contains(r.ref, want) {
				t.Errorf("console has no %q", want)
			}
		}
		if e := r.res.ExitA; e.Reason != spec.HaltFinisher || e.Code != 0 {
			t.Errorf("exit %s after %d records, want the finisher's pass", e, r.res.Compared)
		}
		if t.Failed() {
			t.Logf("console:\n%s", r.ref)
		}
	}
	t.Run("uboot-poweroff", func(t *testing.T) { uboot(t, 10, 20_000_000, 60_000_000) })
	if testtool.Long {
		t.Run("uboot-poweroff-timebase100", func(t *testing.T) {
			uboot(t, spec.DefaultConfig().TimebaseDiv, 30_000_000, 200_000_000)
		})
	}
}
