package fdt

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vcheck-dev/vcheck/internal/testtool"

	"github.com/vcheck-dev/vcheck/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func config(ramMiB uint64, harts int) spec.Config {
	c := spec.DefaultConfig()
	c.RAM = ramMiB << 20
	c.Harts = harts
	return c
}

// The configurations every test covers, matching QEMU's -m and -smp.
var configs = []struct {
	ramMiB uint64
	harts  int
}{{128, 1}, {256, 2}, {512, 4}, {4096 + 2, 8}}

func mustBuild(t *testing.T, cfg spec.Config) []byte {
	t.Helper()
	dtb, err := Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dtb
}

func TestRoundTrip(t *testing.T) {
	for _, c := range configs {
		cfg := config(c.ramMiB, c.harts)
		want, err := NewTree(cfg, Options{Bootargs: "console=ttyS0"})
		if err != nil {
			t.Fatal(err)
		}
		dtb, err := want.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(dtb)
		if err != nil {
			t.Fatalf("%+v: Parse(Build()): %v", c, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: parsed tree differs from the built one:\n%s\nwant:\n%s", c, got, want)
		}
		again, _ := got.Encode()
		if !bytes.Equal(again, dtb) {
			t.Errorf("%+v: encode(parse(dtb)) != dtb", c)
		}
	}
}

func TestBuildContents(t *testing.T) {
	cfg := config(256, 2)
	tr, err := Parse(mustBuild(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	root := tr.Root
	check := func(path, prop string, want []byte) {
		t.Helper()
		n := root.Lookup(path)
		if n == nil {
			t.Errorf("%s: missing", path)
			return
		}
		p := n.Prop(prop)
		if p == nil {
			t.Errorf("%s: no %s", path, prop)
			return
		}
		if !bytes.Equal(p.Value, want) {
			t.Errorf("%s %s = %s, want %s", path, prop, FormatValue(p), FormatValue(&Prop{Value: want}))
		}
	}
	check("/memory@80000000", "reg", cells(0, 0x80000000, 0, 256<<20))
	check("/cpus", "timebase-frequency", cells(10000000))
	check("/cpus/cpu@1", "riscv,isa", str("rv64imac_zicsr_zifencei"))
	check("/cpus/cpu@1", "mmu-type", str("riscv,sv39"))
	check("/cpus/cpu@1", "reg", cells(1))
	check("/soc/serial@10000000", "clock-frequency", cells(0x384000))
	check("/soc/serial@10000000", "interrupts", cells(10))
	check("/soc/plic@c000000", "riscv,ndev", cells(96))
	check("/soc/test@100000", "compatible", str("sifive,test1", "sifive,test0", "syscon"))
	check("/chosen", "stdout-path", str("/soc/serial@10000000"))
	check("/poweroff", "value", cells(0x5555))
	check("/reboot", "value", cells(0x7777))
	// Each interrupts-extended pair names a hart's interrupt controller.
	ph := root.Phandles()
	clint, _ := root.Lookup("/soc/clint@2000000").Prop("interrupts-extended").U32s()
	var got []string
	for i := 0; i < len(clint); i += 2 {
		got = append(got, fmt.Sprintf("%s:%d", ph[clint[i]], clint[i+1]))
	}
	want := []string{
		"/cpus/cpu@0/interrupt-controller:3", "/cpus/cpu@0/interrupt-controller:7",
		"/cpus/cpu@1/interrupt-controller:3", "/cpus/cpu@1/interrupt-controller:7",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("clint interrupts-extended resolves to %v, want %v", got, want)
	}
	if root.Lookup("/chosen").Prop("bootargs") != nil {
		t.Error("Build with no Options has /chosen/bootargs")
	}
}

func TestBuildRejectsBadConfig(t *testing.T) {
	for _, cfg := range []spec.Config{config(128, 0), config(128, spec.MaxHarts+1), {Harts: 1, TimebaseDiv: 1}} {
		if _, err := Build(cfg); err == nil || !strings.Contains(err.Error(), "fdt: config:") {
			t.Errorf("Build(%+v): err = %v, want a config error", cfg, err)
		}
	}
}

// TestDtcAccepts uses dtc as the oracle of structural validity: it must
// decompile our DTB without a warning, and its own re-encoding must parse
// back to the same tree.
func TestDtcAccepts(t *testing.T) {
	dtc := testtool.Tool(t, "dtc")
	for _, c := range configs {
		dtb := mustBuild(t, config(c.ramMiB, c.harts))
		in := filepath.Join(t.TempDir(), "virt.dtb")
		if err := os.WriteFile(in, dtb, 0o644); err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd := exec.Command(dtc, "-I", "dtb", "-O", "dts", in)
		cmd.Stderr = &stderr
		dts, err := cmd.Output()
		if err != nil {
			t.Fatalf("%+v: dtc -O dts: %v\n%s", c, err, stderr.String())
		}
		if w := unexpectedWarnings(stderr.String()); w != "" {
			t.Errorf("%+v: dtc warns:\n%s", c, w)
		}
		if !strings.Contains(string(dts), `riscv,isa = "rv64imac_zicsr_zifencei";`) {
			t.Errorf("%+v: dtc's dts lacks riscv,isa:\n%s", c, dts)
		}
		cmd = exec.Command(dtc, "-I", "dtb", "-O", "dtb", in)
		cmd.Stderr = &stderr
		redone, err := cmd.Output()
		if err != nil {
			t.Fatalf("%+v: dtc -O dtb: %v\n%s", c, err, stderr.String())
		}
		a, err1 := Parse(dtb)
		b, err2 := Parse(redone)
		if err1 != nil || err2 != nil {
			t.Fatalf("%+v: parse: %v / %v", c, err1, err2)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%+v: dtc's re-encoding parses to a different tree:\n%s\nours:\n%s", c, b, a)
		}
	}
}

// dtc warns that a cpu's interrupt-controller lacks #address-cells.
// QEMU 7.2's own tree draws exactly the same warning for the same nodes
// (virt.c writes no #address-cells there), so it is the one we accept.
var acceptedWarning = regexp.MustCompile(`^<stdout>: Warning \(interrupt_provider\): /cpus/cpu@[0-9a-f]+/interrupt-controller: Missing #address-cells in interrupt provider$`)

func unexpectedWarnings(stderr string) string {
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line != "" && !acceptedWarning.MatchString(line) {
			bad = append(bad, line)
		}
	}
	return strings.Join(bad, "\n")
}

// qemuOmitted lists QEMU 7.2 virt's nodes and properties that rv64pg
// leaves out on purpose (see NewTree); anything else QEMU has, we must
// have too.
var qemuOmitted = map[string]bool{
	"/pmu": true, "/fw-cfg@10100000": true, "/flash@20000000": true,
	"/platform-bus@4000000": true, "/soc/pci@30000000": true, "/soc/rtc@101000": true,
	"/chosen/rng-seed": true,
}

// phandleProps are the properties whose cells hold phandles, with the
// number of cells in each (phandle, args...) group. They are compared by
// the path they point at, since phandle numbers are arbitrary.
var phandleProps = map[string]int{
	"interrupt-parent": 1, "interrupts-extended": 2, "regmap": 1, "cpu": 1,
}

// TestMatchesQEMU compares our tree with the one QEMU 7.2 dumps for the
// same -m and -smp: every node and property we model must exist in QEMU's
// with the same value (phandles compared by target), except mmu-type; and
// every QEMU node we lack must be a documented omission.
func TestMatchesQEMU(t *testing.T) {
	qemu := testtool.Tool(t, "qemu-system-riscv64")
	for _, c := range configs {
		t.Run(fmt.Sprintf("m%dM-smp%d", c.ramMiB, c.harts), func(t *testing.T) {
			qemuDTB := dumpQEMU(t, qemu, c.ramMiB, c.harts)
			theirs, err := Parse(qemuDTB)
			if err != nil {
				t.Fatalf("our reader cannot parse QEMU's DTB: %v", err)
			}
			ours, err := Parse(mustBuild(t, config(c.ramMiB, c.harts)))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range compareTrees(ours.Root, theirs.Root) {
				t.Error(d)
			}
		})
	}
}

// compareTrees returns the differences between our tree and QEMU's that
// are not documented choices.
func compareTrees(ours, theirs *Node) []string {
	var diffs []string
	ourPh, theirPh := ours.Phandles(), theirs.Phandles()
	resolve := func(ph map[uint32]string, p *Prop) string {
		group, isRef := phandleProps[p.Name]
		c, ok := p.U32s()
		if !isRef || !ok {
			return FormatValue(p)
		}
		var parts []string
		for i, v := range c {
			if i%group == 0 {
				parts = append(parts, "&"+ph[v])
			} else {
				parts = append(parts, fmt.Sprint(v))
			}
		}
		return strings.Join(parts, " ")
	}
	ours.Walk(func(path string, n *Node) {
		q := theirs.Lookup(path)
		if q == nil {
			diffs = append(diffs, fmt.Sprintf("%s: not in QEMU's tree", path))
			return
		}
		for _, p := range n.Props {
			if p.Name == "phandle" || p.Name == "mmu-type" {
				continue
			}
			qp := q.Prop(p.Name)
			if qp == nil {
				diffs = append(diffs, fmt.Sprintf("%s: %s not in QEMU's node", path, p.Name))
				continue
			}
			if a, b := resolve(ourPh, &p), resolve(theirPh, qp); a != b {
				diffs = append(diffs, fmt.Sprintf("%s: %s = %s, QEMU has %s", path, p.Name, a, b))
			}
		}
	})
	theirs.Walk(func(path string, n *Node) {
		if strings.Contains(path, "/virtio_mmio@") || omittedUnder(path) {
			return
		}
		o := ours.Lookup(path)
		if o == nil {
			diffs = append(diffs, fmt.Sprintf("%s: QEMU has it, we do not, and it is not a documented omission", path))
			return
		}
		for _, p := range n.Props {
			if o.Prop(p.Name) == nil && !qemuOmitted[path+"/"+p.Name] && p.Name != "phandle" {
				diffs = append(diffs, fmt.Sprintf("%s: QEMU has %s = %s, we do not", path, p.Name, FormatValue(&p)))
			}
		}
	})
	return diffs
}

func omittedUnder(path string) bool {
	for p := range qemuOmitted {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// qemuCPU is the QEMU 7.2 CPU closest to rv64pg: rv64 with every
// extension beyond IMAC, Zicsr and Zifencei switched off.
const qemuCPU = "rv64,f=false,d=false,h=false,sstc=false,svpbmt=false,svinval=false,svnapot=false," +
	"zba=false,zbb=false,zbc=false,zbs=false,Zihintpause=false,pmu-num=0,v=false"

func dumpQEMU(t *testing.T, qemu string, ramMiB uint64, harts int) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "qemu.dtb")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-machine", "virt,dumpdtb="+out, "-cpu", qemuCPU,
		"-m", fmt.Sprintf("%dM", ramMiB), "-smp", fmt.Sprint(harts), "-display", "none", "-nodefaults")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, msg)
	}
	dtb, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return dtb
}

// TestCompareTreesCatches proves the QEMU comparison can fail: a wrong
// value, a missing node and an extra node each produce a difference.
func TestCompareTreesCatches(t *testing.T) {
	base, _ := NewTree(config(128, 1), Options{})
	cases := map[string]func(n *Node){
		"wrong irq":    func(n *Node) { n.Lookup("/soc/serial@10000000").Prop("interrupts").Value = cells(11) },
		"missing node": func(n *Node) { soc := n.Lookup("/soc"); soc.Children = soc.Children[1:] },
		"extra node":   func(n *Node) { n.Children = append(n.Children, &Node{Name: "bogus"}) },
		"wrong ref": func(n *Node) {
			n.Lookup("/soc/clint@2000000").Prop("interrupts-extended").Value = cells(cpuPhandle(0), 3, intcPhandle(0), 7)
		},
	}
	for name, mutate := range cases {
		mutated, _ := NewTree(config(128, 1), Options{})
		mutate(mutated.Root)
		if d := compareTrees(mutated.Root, base.Root); len(d) == 0 {
			t.Errorf("%s: no difference found", name)
		}
	}
	if d := compareTrees(base.Root, base.Root); len(d) != 0 {
		t.Errorf("a tree differs from itself: %v", d)
	}
}

func TestParseErrors(t *testing.T) {
	good := mustBuild(t, config(128, 1))
	structOff := binary.BigEndian.Uint32(good[8:])
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   string
	}{
		{"short", func(b []byte) []byte { return b[:20] }, "dtb: truncated at offset 0x14"},
		{"magic", func(b []byte) []byte { b[0] = 0; return b }, "dtb: offset 0x0: magic"},
		{"totalsize", func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 1<<30); return b }, "dtb: offset 0x4: totalsize 0x40000000"},
		{"truncated blob", func(b []byte) []byte { return b[:len(b)-10] }, "totalsize"},
		{"version", func(b []byte) []byte { binary.BigEndian.PutUint32(b[0x18:], 99); return b }, "last compatible 99"},
		{"struct block", func(b []byte) []byte { binary.BigEndian.PutUint32(b[0x24:], 1<<20); return b }, "dtb: offset 0x8: structure block"},
		{"root token", func(b []byte) []byte { binary.BigEndian.PutUint32(b[structOff:], 7); return b },
			fmt.Sprintf("dtb: offset %#x: token 0x7, want FDT_BEGIN_NODE", structOff)},
		{"bad token", func(b []byte) []byte { binary.BigEndian.PutUint32(b[structOff+8:], 0x55); return b }, "token 0x55 inside node"},
		{"nameoff", func(b []byte) []byte { binary.BigEndian.PutUint32(b[structOff+16:], 0xffff); return b }, "nameoff 0xffff outside"},
		{"no rsv terminator", func(b []byte) []byte { b[0x28+7] = 1; binary.BigEndian.PutUint32(b[0x8:], 0x28); return b[:0x30] }, "totalsize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.mutate(bytes.Clone(good)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if d := Dump(good[:10]); !strings.HasPrefix(d, "/* invalid DTB: dtb: truncated") {
		t.Errorf("Dump of garbage = %q", d)
	}
}

// TestDumpGolden pins Dump's text for the default machine; run with
// -update after a deliberate change to the tree and review the diff.
func TestDumpGolden(t *testing.T) {
	got := Dump(mustBuild(t, spec.DefaultConfig()))
	golden := filepath.Join("testdata", "virt-128M-1hart.dts")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Dump differs from %s (run go test -update to accept):\n%s", golden, got)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range configs {
		dtb, _ := Build(config(c.ramMiB, c.harts))
		f.Add(dtb)
		f.Add(dtb[:len(dtb)/2])
	}
	f.Fuzz(func(t *testing.T, dtb []byte) {
		tr, err := Parse(dtb)
		_ = Dump(dtb)
		if err != nil {
			return
		}
		// Whatever parses must survive a round trip.
		again, err := tr.Encode()
		if err != nil {
			return // e.g. a name with '/' that the reader accepts
		}
		tr2, err := Parse(again)
		if err != nil || !reflect.DeepEqual(tr, tr2) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
