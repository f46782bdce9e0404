package corpus_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/diff"
	"github.com/vcheck-dev/vcheck/impl/vmm"
	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/internal/testtool"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/fdt"
	"github.com/vcheck-dev/vcheck/spec/load"
)

// The Linux boot of docs/linux.md: the rv64pg kernel that
// corpus/linux/build.sh builds (testtool.Linux) behind Debian's OpenSBI
// fw_jump.elf, as QEMU's -bios and -kernel, on 1 and 2 harts.

// linuxLines are the lines every boot must print: the kernel's banner,
// each line of init (corpus/linux/init.c), and the kernel's last word
// before OpenSBI powers the machine off through the finisher.
var linuxLines = []string{
	"Linux version 6.1.",
	"Run /init as init process",
	"init: hello from user space, pid 1",
	"init: touched 32 .bss pages, checksum 935874b44d003a80",
	"init: touched 16 mmap pages, checksum 776483e948e87fc0, unmapped",
	"says hello-from-exec",
	"exited with 42; parent's page still holds 1",
	"init: powering off",
	"reboot: Power down",
}

// linuxInitLine is the init line: the first line user space prints.
const linuxInitLine = "init: hello from user space"

// linuxLimit bounds every run: a boot retires ~22 M instructions on one
// hart and ~50 M on two (docs/linux.md), so a model that loops stops
// with a limit instead of hanging the suite.
func linuxLimit(harts int) uint64 { return 40_000_000 * uint64(harts) }

// linuxImage is the reset image of the Linux boot on harts harts.
func linuxImage(t testing.TB, harts int) (spec.Config, *boot.Image) {
	t.Helper()
	dir := testtool.Linux(t)
	cfg := spec.DefaultConfig()
	cfg.Harts = harts
	img, err := linuxBootImage(cfg, testtool.File(t, openSBI), filepath.Join(dir, "Image"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, img
}

// linuxBootImage lays out firmware (QEMU's -bios) and kernel (-kernel)
// for cfg.
func linuxBootImage(cfg spec.Config, firmware, kernel string) (*boot.Image, error) {
	fw, err := load.File(firmware, spec.RAMBase)
	if err != nil {
		return nil, err
	}
	k, err := load.File(kernel, boot.KernelAddr(fw))
	if err != nil {
		return nil, err
	}
	return boot.Build(cfg, fw, k)
}

// checkLinuxConsole fails the test unless console holds every line of
// linuxLines, in order.
func checkLinuxConsole(t *testing.T, who, console string) {
	t.Helper()
	rest := console
	for _, want := range linuxLines {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("%s: the console has no %q (after the lines before it); console:\n%s", who, want, console)
		}
		rest = rest[i+len(want):]
	}
}

// linuxRun runs the boot on target name alone (its Run, at full speed)
// and returns the console; it requires the finisher's pass.
func linuxRun(t *testing.T, name string, harts int) (string, diff.Runner) {
	t.Helper()
	cfg, img := linuxImage(t, harts)
	m, err := targets.NewRunner(name, cfg, img)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m.SetConsole(strings.NewReader(""), &out)
	start := time.Now()
	e := m.Run(linuxLimit(harts))
	t.Logf("%s, %d hart(s): %s after %d instructions in %v", name, harts, e, m.Retired(), time.Since(start).Round(time.Millisecond))
	if e.Reason != spec.HaltFinisher || e.Code != 0 {
		t.Fatalf("%s: stopped with %s, want the finisher's pass; console:\n%s", name, e, out.String())
	}
	checkLinuxConsole(t, name, out.String())
	return out.String(), m
}

// qemuLinux boots the same kernel and firmware on qemu-system-riscv64 with
// rv64pg's own device tree (-dtb), and returns the console.
func qemuLinux(t *testing.T, harts int) string {
	t.Helper()
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	dir := testtool.Linux(t)
	cfg := spec.DefaultConfig()
	cfg.Harts = harts
	dtb, err := fdt.BuildWith(cfg, fdt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dtbFile := filepath.Join(t.TempDir(), "rv64pg.dtb")
	if err := os.WriteFile(dtbFile, dtb, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// -accel tcg,thread=single: the harts take turns on one host thread,
	// hart 0 first. With a thread per hart (QEMU's default), which hart
	// wins OpenSBI's boot lottery is decided by the host's scheduler.
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt", "-cpu", qemuCPU, "-m", fmt.Sprintf("%dM", cfg.RAM>>20),
		"-smp", fmt.Sprint(harts), "-accel", "tcg,thread=single", "-nographic", "-monitor", "none",
		"-bios", testtool.File(t, openSBI), "-kernel", filepath.Join(dir, "Image"), "-dtb", dtbFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v; console:\n%s", cmd, err, out.String())
	}
	checkLinuxConsole(t, "qemu", out.String())
	return out.String()
}

// qemuLinuxMasks are the console lines that differ between QEMU 7.2 and
// rv64pg for reasons that are not the models', each with its reason. The
// comparison replaces each match's submatches by "#" on both sides;
// everything else on the line must be the same.
var qemuLinuxMasks = []struct {
	re     *regexp.Regexp
	reason string
}{
	{
		regexp.MustCompile(`^Memory: (\d+)K/\d+K available \(.* (\d+)K reserved`),
		"QEMU 7.2's rv64 hart also implements Sv48 and Sv57 (no -cpu property turns them off before QEMU 8.0), " +
			"and Linux 6.1 probes satp and runs Sv57 there (satp mode 10, read through QEMU's gdbstub) but Sv39 on rv64pg; " +
			"its early allocations differ with the paging mode: 16K more reserved on QEMU (docs/linux.md)",
	},
	{
		regexp.MustCompile(`^init: (?:exec'd child pid (\d+) says|child (\d+) exited)`),
		"host timing: QEMU's timer follows the host clock, so how many kernel threads the kernel has started " +
			"when init forks, and so the child's pid, depends on the host (on 2 harts it varies from run to run)",
	},
}

// maskQEMULinux applies qemuLinuxMasks to every line of console.
func maskQEMULinux(console string) string {
	lines := strings.Split(strings.ReplaceAll(console, "\r\n", "\n"), "\n")
	for i, l := range lines {
		for _, m := range qemuLinuxMasks {
			idx := m.re.FindStringSubmatchIndex(l)
			if idx == nil {
				continue
			}
			var b strings.Builder
			last := 0
			for g := 2; g < len(idx); g += 2 {
				if idx[g] < 0 {
					continue
				}
				b.WriteString(l[last:idx[g]])
				b.WriteString("#")
				last = idx[g+1]
			}
			b.WriteString(l[last:])
			lines[i] = b.String()
		}
	}
	return strings.Join(lines, "\n")
}

// firstDifference is the first line where a and b differ, for messages.
func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  qemu: %q\n  model: %q", i+1, x, y)
		}
	}
	return "none"
}

// TestLinuxConsole boots the kernel on QEMU, on the engine and under the
// VMM (each at full speed, Run), on 1 and 2 harts, and requires the
// models' consoles to be QEMU's but for the lines of qemuLinuxMasks, and
// the VMM's to be the engine's exactly. Each boot must reach every line
// of init and power off through the finisher. (refmodel's console is
// the engine's, exactly: TestLinuxLockstep.)
func TestLinuxConsole(t *testing.T) {
	for _, harts := range []int{1, 2} {
		t.Run(fmt.Sprintf("harts-%d", harts), func(t *testing.T) {
			q := qemuLinux(t, harts)
			eng, _ := linuxRun(t, "engine", harts)
			if got, want := maskQEMULinux(eng), maskQEMULinux(q); got != want {
				t.Errorf("the engine's console is not QEMU's; first difference at %s\nqemu:\n%s\nengine:\n%s", firstDifference(want, got), q, eng)
			}
			v, m := linuxRun(t, "vmm", harts)
			if v != eng {
				t.Errorf("the VMM's console is not the engine's; first difference at %s", firstDifference(eng, v))
			}
			if vm, ok := m.(*vmm.VM); ok {
				t.Logf("vmm: %s", vm.Stats())
			}
		})
	}
}

// TestLinuxMasks: each mask of qemuLinuxMasks hides only its figures,
// and a console that differs anywhere else still differs.
func TestLinuxMasks(t *testing.T) {
	a := "Memory: 125068K/129024K available (847K kernel code, 541K rwdata, 136K rodata, 135K init, 216K bss, 3956K reserved, 0K cma-reserved)\n" +
		"init: exec'd child pid 23 says hello-from-exec\ninit: child 23 exited with 42; parent's page still holds 1\n"
	b := "Memory: 125084K/129024K available (847K kernel code, 541K rwdata, 136K rodata, 135K init, 216K bss, 3940K reserved, 0K cma-reserved)\n" +
		"init: exec'd child pid 18 says hello-from-exec\ninit: child 18 exited with 42; parent's page still holds 1\n"
	if maskQEMULinux(a) != maskQEMULinux(b) {
		t.Fatalf("masks do not cover the known differences:\n%s\n%s", maskQEMULinux(a), maskQEMULinux(b))
	}
	for _, c := range []string{
		strings.Replace(b, "847K kernel code", "848K kernel code", 1),
		strings.Replace(b, "129024K available", "129028K available", 1),
		strings.Replace(b, "exited with 42", "exited with 43", 1),
		strings.Replace(b, "hello-from-exec", "hello-from-exex", 1),
	} {
		if maskQEMULinux(a) == maskQEMULinux(c) {
			t.Errorf("a difference outside the masked figures went unseen:\n%s", c)
		}
	}
}

// TestLinuxLockstep runs refmodel against the engine, and against the
// VMM, in lockstep (diff's default mode: every field of every record)
// over the whole boot on 1 and 2 harts (~22 M and ~50 M records), and
// requires zero divergences, the same console on both, and the
// finisher's pass.
func TestLinuxLockstep(t *testing.T) {
	for _, tc := range []struct {
		target string
		harts  int
	}{
		{"engine", 1}, {"vmm", 1}, {"engine", 2}, {"vmm", 2},
	} {
		t.Run(fmt.Sprintf("%s-harts-%d", tc.target, tc.harts), func(t *testing.T) {
			cfg, img := linuxImage(t, tc.harts)
			r := lockstepFirmwareOn(t, tc.target, img, cfg, nil, linuxLimit(tc.harts))
			r.check(t)
			checkLinuxConsole(t, "ref", r.ref)
			if e := r.res.ExitA; e.Reason != spec.HaltFinisher || e.Code != 0 {
				t.Fatalf("exit %s after %d records, want the finisher's pass; console:\n%s", e, r.res.Compared, r.ref)
			}
		})
	}
}

// retiredAt is a console writer that notes the machine's retired count
// when the console first holds line.
type retiredAt struct {
	buf   bytes.Buffer
	line  string
	clock func() uint64
	at    uint64
}

func (w *retiredAt) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if w.at == 0 && bytes.Contains(w.buf.Bytes(), []byte(w.line)) {
		w.at = w.clock()
	}
	return len(p), nil
}

// BenchmarkLinuxBoot measures, side by side in one run, the whole
// process from start to the init line and to its exit: qemu-system-
// riscv64 and `vcheck run` on the engine, the VMM and refmodel, one
// process after the other in each iteration; then the instructions
// retired to the init line (the engine, one Step at a time) and the VMM's
// exits by cause. docs/PERFORMANCE.md has the figures:
//
//	go test -run XXX -bench LinuxBoot -benchtime 5x ./corpus
func BenchmarkLinuxBoot(b *testing.B) {
	dir := testtool.Linux(b)
	qemu := testtool.Tool(b, "qemu-system-riscv64")
	fw := testtool.File(b, openSBI)
	root, err := testtool.Root()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "vcheck")
	build := exec.Command("go", "build", "-o", bin, "./cmd/vcheck")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, harts := range []int{1, 2} {
		b.Run(fmt.Sprintf("harts-%d", harts), func(b *testing.B) {
			cfg := spec.DefaultConfig()
			cfg.Harts = harts
			dtb, err := fdt.BuildWith(cfg, fdt.Options{})
			if err != nil {
				b.Fatal(err)
			}
			dtbFile := filepath.Join(b.TempDir(), "rv64pg.dtb")
			if err := os.WriteFile(dtbFile, dtb, 0o644); err != nil {
				b.Fatal(err)
			}
			kernel := filepath.Join(dir, "Image")
			procs := []struct {
				name string
				argv []string
			}{
				{"qemu", []string{qemu, "-machine", "virt", "-cpu", qemuCPU, "-m", "128M", "-smp", fmt.Sprint(harts),
					"-nographic", "-monitor", "none", "-bios", fw, "-kernel", kernel, "-dtb", dtbFile}},
				{"engine", []string{bin, "run", "--model", "engine", "--harts", fmt.Sprint(harts), "--limit", "0", "--kernel", kernel, fw}},
				{"vmm", []string{bin, "run", "--model", "vmm", "--harts", fmt.Sprint(harts), "--limit", "0", "--kernel", kernel, fw}},
				{"ref", []string{bin, "run", "--model", "ref", "--harts", fmt.Sprint(harts), "--limit", "0", "--kernel", kernel, fw}},
			}
			toInit := make([]time.Duration, len(procs))
			total := make([]time.Duration, len(procs))
			b.ResetTimer()
			for range b.N {
				for i, p := range procs {
					ti, tt := timeProcess(b, p.argv)
					toInit[i] += ti
					total[i] += tt
				}
			}
			b.StopTimer()
			for i, p := range procs {
				b.ReportMetric(toInit[i].Seconds()/float64(b.N), p.name+"-s-to-init")
				b.ReportMetric(total[i].Seconds()/float64(b.N), p.name+"-s-total")
			}
			b.ReportMetric(toInit[0].Seconds()/toInit[1].Seconds(), "qemu/engine-to-init")
			b.ReportMetric(toInit[2].Seconds()/toInit[1].Seconds(), "vmm/engine-to-init")

			// Instructions to the init line, one Step at a time (Run may
			// retire a block past the write).
			img, err := linuxBootImage(cfg, fw, kernel)
			if err != nil {
				b.Fatal(err)
			}
			m, err := targets.NewRunner("engine", cfg, img)
			if err != nil {
				b.Fatal(err)
			}
			w := &retiredAt{line: linuxInitLine, clock: m.Retired}
			m.SetConsole(strings.NewReader(""), w)
			for n := uint64(0); w.at == 0 && m.Exit().Reason == spec.Running && n < linuxLimit(harts); n++ {
				m.Step()
			}
			m.Run(linuxLimit(harts))
			b.ReportMetric(float64(w.at), "instr-to-init")
			b.ReportMetric(float64(m.Retired()), "instr-total")

			// Lockstep, once each: refmodel against the engine and the VMM.
			for _, other := range []string{"engine", "vmm"} {
				start := time.Now()
				res := lockstepRef(b, other, cfg, img, diff.Options{Limit: linuxLimit(harts)})
				elapsed := time.Since(start)
				if res.Divergence != nil || res.ExitA.Reason != spec.HaltFinisher {
					b.Fatalf("ref vs %s: %d records, divergence %v, exit %s", other, res.Compared, res.Divergence != nil, res.ExitA)
				}
				b.ReportMetric(elapsed.Seconds(), "lockstep-ref-"+other+"-s")
			}

			v, err := targets.NewRunner("vmm", cfg, img)
			if err != nil {
				b.Fatal(err)
			}
			v.SetConsole(strings.NewReader(""), io.Discard)
			v.Run(linuxLimit(harts))
			if vm, ok := v.(*vmm.VM); ok {
				st := vm.Stats()
				var causes []string
				for _, c := range st.Causes() {
					causes = append(causes, fmt.Sprintf("%s %.0f", c, 1e6*float64(st.Exits[c])/float64(st.Retired())))
				}
				b.Logf("%d harts: vmm exits per million instructions: %.0f (%s); %s", harts,
					1e6*float64(st.ExitCount())/float64(st.Retired()), strings.Join(causes, ", "), st)
			}
		})
	}
}

// timeProcess runs argv and returns the wall time from its start to the
// init line on its stdout, and to its exit.
func timeProcess(b *testing.B, argv []string) (toInit, total time.Duration) {
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var seen bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := out.Read(buf)
		seen.Write(buf[:n])
		if toInit == 0 && bytes.Contains(seen.Bytes(), []byte(linuxInitLine)) {
			toInit = time.Since(start)
		}
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, seen.String())
	}
	total = time.Since(start)
	if toInit == 0 {
		b.Fatalf("%s printed no %q:\n%s", strings.Join(argv, " "), linuxInitLine, seen.String())
	}
	return toInit, total
}
