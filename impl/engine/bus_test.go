package engine

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
)

// The QEMU register oracle: a list of device accesses and QEMU 7.2 virt's
// answers to them (-smp 2), kept as data with the reference model's
// devices, whose own test reads it too (docs/devices.md, "The QEMU
// oracle"). Here the accesses go through the engine's bus (devLoad,
// devStore: decode, access sizes, misaligned splitting) to impl/devices.
var oracleDir = filepath.Join("..", "..", "refmodel", "devices", "testdata", "qemu")

type busProbe struct {
	line      int
	text      string
	kind      byte // 'L' load, 'S' store, 'M' read mip of hart 0
	addr      uint64
	size      uint64
	value     uint64
	anyValue  bool // compare only whether it faults
	onPurpose bool // "differs:": the value differs from QEMU on purpose
}

// busOutcome is a value, or a fault with its mcause.
type busOutcome struct {
	fault bool
	cause uint64
	value uint64
}

func (o busOutcome) String() string {
	if o.fault {
		return fmt.Sprintf("fault %d", o.cause)
	}
	return fmt.Sprintf("%#x", o.value)
}

func readProbes(t *testing.T) []busProbe {
	t.Helper()
	name := filepath.Join(oracleDir, "probes.txt")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var probes []busProbe
	for i, line := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(line)
		if text == "" || text[0] == '#' {
			continue
		}
		p := busProbe{line: i + 1, text: text}
		if k := strings.Index(text, "differs:"); k >= 0 {
			p.onPurpose = true
			text = strings.TrimSpace(text[:k])
		}
		f := strings.Fields(text)
		num := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 0, 64)
			if err != nil {
				t.Fatalf("%s:%d: %v", name, i+1, err)
			}
			return v
		}
		p.kind = f[0][0]
		switch {
		case p.kind == 'M' && len(f) == 1:
		case p.kind == 'L' && (len(f) == 3 || len(f) == 4 && f[3] == "any"):
			p.addr, p.size, p.anyValue = num(f[1]), num(f[2]), len(f) == 4
		case p.kind == 'S' && len(f) == 4:
			p.addr, p.size, p.value = num(f[1]), num(f[2]), num(f[3])
		default:
			t.Fatalf("%s:%d: cannot parse %q", name, i+1, line)
		}
		probes = append(probes, p)
	}
	return probes
}

// readGolden reads QEMU's answers: "index value" or "index F cause" (hex)
// between the ORACLE-BEGIN and ORACLE-END lines.
func readGolden(t *testing.T) []busOutcome {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(oracleDir, "golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin, end := strings.Index(text, "ORACLE-BEGIN\n"), strings.Index(text, "ORACLE-END")
	if begin < 0 || end < begin {
		t.Fatal("golden.txt: no ORACLE-BEGIN/END")
	}
	var out []busOutcome
	sc := bufio.NewScanner(strings.NewReader(text[begin+len("ORACLE-BEGIN\n") : end]))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		hex := func(s string) uint64 {
			v, err := strconv.ParseUint(s, 16, 64)
			if err != nil {
				t.Fatalf("golden.txt: bad line %q", sc.Text())
			}
			return v
		}
		if hex(f[0]) != uint64(len(out)) {
			t.Fatalf("golden.txt: line %q out of order", sc.Text())
		}
		switch {
		case len(f) == 3 && f[1] == "F":
			out = append(out, busOutcome{fault: true, cause: hex(f[2])})
		case len(f) == 2:
			out = append(out, busOutcome{value: hex(f[1])})
		default:
			t.Fatalf("golden.txt: bad line %q", sc.Text())
		}
	}
	return out
}

// TestBusMatchesQEMU runs the oracle's accesses on a 2-hart engine whose
// time base advances one tick per access (mtime, and the UART's ticks)
// and compares every outcome with QEMU's; where a probe says the value
// differs on purpose, only whether it faults is compared.
func TestBusMatchesQEMU(t *testing.T) {
	probes, want := readProbes(t), readGolden(t)
	if len(probes) != len(want) {
		t.Fatalf("%d probes, %d answers", len(probes), len(want))
	}
	cfg := testConfig()
	cfg.Harts, cfg.TimebaseDiv = 2, 1
	m, err := New(cfg, &boot.Image{})
	if err != nil {
		t.Fatal(err)
	}
	const mipMask = spec.MipMSIP | spec.MipMTIP | spec.MipSEIP | spec.MipMEIP
	onPurpose := 0
	for i, p := range probes {
		m.Harts[0].count++ // one tick
		m.dev.AfterRetire(m.Retired())
		var got busOutcome
		switch p.kind {
		case 'M':
			got.value = m.dev.Pending(0) & mipMask
		case 'L':
			v, _, ok := m.devLoad(p.addr, p.size)
			got.value = v
			if !ok {
				got = busOutcome{fault: true, cause: spec.CauseLoadAccess}
			}
		case 'S':
			if _, ok := m.devStore(p.addr, p.size, p.value); !ok {
				got = busOutcome{fault: true, cause: spec.CauseStoreAccess}
			}
		}
		w := want[i]
		switch {
		case got.fault != w.fault || got.cause != w.cause:
		case p.anyValue || got.fault || got.value == w.value:
			continue
		case p.onPurpose:
			onPurpose++
			continue
		}
		t.Errorf("probes.txt:%d %q: engine %v, QEMU %v", p.line, p.text, got, w)
	}
	if m.Exit().Reason != spec.Running {
		t.Errorf("the probes halted the machine: %v", m.Exit())
	}
	t.Logf("%d probes agree with QEMU 7.2; %d differ on purpose", len(probes)-onPurpose, onPurpose)
}
