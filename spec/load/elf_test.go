package load

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vcheck-dev/vcheck/internal/testtool"
)

// The test ELFs are built from testdata/tiny.S by testdata/build.sh; their
// layout (from riscv64-unknown-elf-objdump -p) is:
//
//	program header 0: RISCV_ATTRIBUTES, p_memsz 0 (not loaded)
//	program header 1: LOAD 0x80000000 filesz 0x10   memsz 0x10   r-x
//	program header 2: LOAD 0x80001000 filesz 0x1008 memsz 0x3008 rw-
const (
	phoffTiny = 0x40 // e_phoff of tiny.elf
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestELFTiny(t *testing.T) {
	p, err := ELF(filepath.Join("testdata", "tiny.elf"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "tiny.elf" {
		t.Errorf("Name = %q, want tiny.elf", p.Name)
	}
	if p.Entry != 0x80000000 {
		t.Errorf("Entry = %#x, want 0x80000000", p.Entry)
	}
	want := []struct{ addr, filesz, memsz uint64 }{
		{0x80000000, 0x10, 0x10},
		{0x80001000, 0x1008, 0x3008},
	}
	if len(p.Segments) != len(want) {
		t.Fatalf("got %d segments, want %d: %+v", len(p.Segments), len(want), p.Segments)
	}
	for i, w := range want {
		s := p.Segments[i]
		if s.Addr != w.addr || uint64(len(s.Data)) != w.filesz || s.MemSize != w.memsz {
			t.Errorf("segment %d = {%#x, filesz %#x, memsz %#x}, want {%#x, %#x, %#x}",
				i, s.Addr, len(s.Data), s.MemSize, w.addr, w.filesz, w.memsz)
		}
	}
	// begin_signature's words sit at 0x80002000, 0x1000 into segment 1.
	if got := binary.LittleEndian.Uint32(p.Segments[1].Data[0x1000:]); got != 0xdeadbeef {
		t.Errorf("word at begin_signature = %#x, want 0xdeadbeef", got)
	}
	for name, addr := range map[string]uint64{
		"_start": 0x80000000, "tohost": 0x80001000, "fromhost": 0x80001040,
		"begin_signature": 0x80002000, "end_signature": 0x80002008, "scratch": 0x80002008,
	} {
		if got, ok := p.Symbol(name); !ok || got != addr {
			t.Errorf("Symbol(%q) = %#x, %v; want %#x, true", name, got, ok, addr)
		}
	}
}

func TestELFStripped(t *testing.T) {
	p, err := ELF(filepath.Join("testdata", "tiny-stripped.elf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Symbols) != 0 {
		t.Errorf("stripped file has symbols %v", p.Symbols)
	}
	if p.Symbols == nil {
		t.Error("Symbols is nil; want an empty map so lookups need no nil check")
	}
	if len(p.Segments) != 2 || p.Entry != 0x80000000 {
		t.Errorf("stripped: %d segments, entry %#x; want 2, 0x80000000", len(p.Segments), p.Entry)
	}
}

// A kernel-style image linked high and loaded low: segments go to
// p_paddr and the entry moves with them, as QEMU's load_elf does.
func TestELFPhysicalAddresses(t *testing.T) {
	p, err := ELF(filepath.Join("testdata", "tiny-vma.elf"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Entry != 0x80000000 {
		t.Errorf("Entry = %#x, want the physical 0x80000000", p.Entry)
	}
	if len(p.Segments) != 1 || p.Segments[0].Addr != 0x80000000 {
		t.Errorf("segments %+v, want one at p_paddr 0x80000000", p.Segments)
	}
	if a, _ := p.Symbol("_start"); a != 0xffffffff80000000 {
		t.Errorf("_start = %#x, want its virtual address 0xffffffff80000000", a)
	}
}

func TestELFAcceptsETDYN(t *testing.T) {
	data := readTestdata(t, "tiny.elf")
	binary.LittleEndian.PutUint16(data[0x10:], 3) // ET_DYN
	p, err := ELFBytes("dyn.elf", data)
	if err != nil {
		t.Fatalf("ET_DYN refused: %v", err)
	}
	if p.Segments[0].Addr != 0x80000000 {
		t.Errorf("ET_DYN relocated to %#x; QEMU loads it unrelocated at 0x80000000", p.Segments[0].Addr)
	}
}

// phdr returns the file offset of field off in program header i of tiny.elf.
func phdr(i, off int) int { return phoffTiny + i*elf64PhdrSize + off }

func TestELFErrors(t *testing.T) {
	put16 := func(off int, v uint16) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint16(b[off:], v); return b }
	}
	put64 := func(off int, v uint64) func([]byte) []byte {
		return func(b []byte) []byte { binary.LittleEndian.PutUint64(b[off:], v); return b }
	}
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   string // the whole message must contain this
	}{
		{"empty", func(b []byte) []byte { return nil }, "prog.elf: truncated at offset 0x0"},
		{"short ident", func(b []byte) []byte { return b[:10] }, "prog.elf: truncated at offset 0xa"},
		{"short header", func(b []byte) []byte { return b[:0x30] }, "prog.elf: truncated at offset 0x30: the ELF header needs 64 bytes"},
		{"not ELF", func(b []byte) []byte { b[1] = 'X'; return b }, "prog.elf: offset 0x0: e_ident magic 7f 58 4c 46"},
		{"ELF32", func(b []byte) []byte { b[4] = 1; return b }, "prog.elf: offset 0x4: e_ident[EI_CLASS] ELFCLASS32, want ELFCLASS64"},
		{"big endian", func(b []byte) []byte { b[5] = 2; return b }, "prog.elf: offset 0x5: e_ident[EI_DATA] ELFDATA2MSB, want ELFDATA2LSB"},
		{"version", func(b []byte) []byte { b[6] = 9; return b }, "EI_VERSION"},
		{"x86", put16(0x12, 62), "prog.elf: offset 0x12: machine EM_X86_64, want EM_RISCV"},
		{"ET_REL", put16(0x10, 1), "prog.elf: offset 0x10: type ET_REL, want ET_EXEC or ET_DYN"},
		{"no phdrs", put16(0x38, 0), "e_phnum 0"},
		{"PN_XNUM", put16(0x38, 0xffff), "PN_XNUM"},
		{"phentsize", put16(0x36, 32), "prog.elf: offset 0x36: e_phentsize 32, want 56"},
		{"phdrs truncated", func(b []byte) []byte { return b[:phdr(2, 10)] },
			fmt.Sprintf("prog.elf: truncated at offset %#x: 3 program headers", phdr(2, 10))},
		{"phoff overflow", put64(0x20, ^uint64(0)-8), "program headers at e_phoff 0xfffffffffffffff7"},
		{"filesz > memsz", put64(phdr(2, 32), 0x4000),
			fmt.Sprintf("prog.elf: program header 2 at offset %#x: p_filesz 0x4000 > p_memsz 0x3008", phdr(2, 0))},
		{"offset past end", put64(phdr(1, 8), 0x100000),
			fmt.Sprintf("prog.elf: program header 1 at offset %#x: p_offset 0x100000 + p_filesz 0x10 runs past the end", phdr(1, 0))},
		{"offset overflow", put64(phdr(1, 8), ^uint64(0)), "runs past the end"},
		{"paddr wraps", put64(phdr(2, 24), ^uint64(0)-0x100), "wraps around the address space"},
		{"overlap", put64(phdr(2, 24), 0x80000008),
			fmt.Sprintf("prog.elf: program header 2 at offset %#x: [0x80000008, +0x3008) overlaps program header 1 at offset %#x", phdr(2, 0), phdr(1, 0))},
		{"nothing to load", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[phdr(1, 0):], 0) // PT_NULL
			binary.LittleEndian.PutUint32(b[phdr(2, 0):], 0)
			return b
		}, "no PT_LOAD program header"},
		{"section headers", put64(0x28, ^uint64(0)-100), "prog.elf: section headers:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.mutate(readTestdata(t, "tiny.elf"))
			p, err := ELFBytes("prog.elf", data)
			if err == nil {
				t.Fatalf("no error; got program with %d segments", len(p.Segments))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestEntryOutsideSegments: QEMU's load_elf does not check that e_entry
// lies in a segment, and neither does the loader: the entry is kept, and
// where execution starts is the boot's business.
func TestEntryOutsideSegments(t *testing.T) {
	data := readTestdata(t, "tiny.elf")
	binary.LittleEndian.PutUint64(data[0x18:], 0x90000000)
	p, err := ELFBytes("prog.elf", data)
	if err != nil || p.Entry != 0x90000000 {
		t.Fatalf("%v, entry %#x", err, p.Entry)
	}
}

// TestELFObjdumpOracle checks the loader against GNU objdump's reading of
// the same files: every LOAD header with p_memsz > 0 becomes one segment
// at its paddr, and every symbol nm lists has the same value.
func TestELFObjdumpOracle(t *testing.T) {
	objdump := testtool.Tool(t, "riscv64-unknown-elf-objdump")
	nm := testtool.Tool(t, "riscv64-unknown-elf-nm")
	loadRE := regexp.MustCompile(`LOAD off\s+0x([0-9a-f]+) vaddr 0x([0-9a-f]+) paddr 0x([0-9a-f]+).*\n\s+filesz 0x([0-9a-f]+) memsz 0x([0-9a-f]+)`)
	files := []string{"tiny.elf", "tiny-vma.elf", "tiny-stripped.elf"}
	// Real firmware too: OpenSBI and U-Boot (both stripped ET_EXEC;
	// U-Boot also has DYNAMIC and STACK headers, which must not be
	// loaded).
	files = append(files,
		testtool.File(t, "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"),
		testtool.File(t, "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf"))
	for _, file := range files {
		path := file
		if !filepath.IsAbs(file) {
			path = filepath.Join("testdata", file)
		}
		p, err := ELF(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(objdump, "-p", path).CombinedOutput()
		if err != nil {
			t.Fatalf("objdump -p %s: %v\n%s", file, err, out)
		}
		var want []Segment
		for _, m := range loadRE.FindAllStringSubmatch(string(out), -1) {
			paddr, _ := strconv.ParseUint(m[3], 16, 64)
			filesz, _ := strconv.ParseUint(m[4], 16, 64)
			memsz, _ := strconv.ParseUint(m[5], 16, 64)
			if memsz > 0 {
				want = append(want, Segment{Addr: paddr, Data: make([]byte, filesz), MemSize: memsz})
			}
		}
		if len(want) == 0 || len(want) != len(p.Segments) {
			t.Fatalf("%s: objdump lists %d loadable segments, loader %d", file, len(want), len(p.Segments))
		}
		for i := range want {
			g, w := p.Segments[i], want[i]
			if g.Addr != w.Addr || len(g.Data) != len(w.Data) || g.MemSize != w.MemSize {
				t.Errorf("%s segment %d: loader {%#x %#x %#x}, objdump {%#x %#x %#x}",
					file, i, g.Addr, len(g.Data), g.MemSize, w.Addr, len(w.Data), w.MemSize)
			}
		}
		out, err = exec.Command(nm, path).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "no symbols") {
			t.Fatalf("nm %s: %v\n%s", file, err, out)
		}
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) != 3 || strings.Contains(f[2], "$") || strings.HasPrefix(f[2], ".L") {
				continue
			}
			v, _ := strconv.ParseUint(f[0], 16, 64)
			if got, ok := p.Symbol(f[2]); !ok || got != v {
				t.Errorf("%s: symbol %s = %#x, %v; nm says %#x", file, f[2], got, ok, v)
			}
			n++
		}
		if (file == "tiny.elf" || file == "tiny-vma.elf") && n == 0 {
			t.Errorf("%s: nm listed no symbols; the oracle compared nothing", file)
		}
		if strings.Contains(string(out), "no symbols") && len(p.Symbols) != 0 {
			t.Errorf("%s: nm finds no symbols, the loader %d", file, len(p.Symbols))
		}
	}
}
