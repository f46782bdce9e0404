package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/vcheck-dev/vcheck/internal/targets"
	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
	"github.com/vcheck-dev/vcheck/toolchain/cpp"
)

// preprocess runs a .S file (capital S) through the C preprocessor, as
// gcc does, resolving #include beside the file; other sources pass as
// they are.
func preprocess(path string, src []byte) ([]byte, error) {
	if filepath.Ext(path) != ".S" {
		return src, nil
	}
	dir := filepath.Dir(path)
	return cpp.Preprocess(path, src, cpp.Options{Include: func(inc string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, inc))
	}})
}

// checkSource refuses input that is not assembler source: an ELF file, or
// anything with NUL bytes or invalid UTF-8 in its first 4 KiB (a binary
// that would otherwise come back as a screenful of errors quoting it).
func checkSource(name string, src []byte) error {
	if load.IsELF(src) {
		return fmt.Errorf("%s is an ELF file, not assembler source (to see its code: vcheck disasm %s)", name, name)
	}
	head := src[:min(len(src), 4096)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		return fmt.Errorf("%s is a binary file, not assembler source (a NUL byte at offset %#x)", name, i)
	}
	// A rune may be cut where head ends.
	if !utf8.Valid(head) && !(len(src) > len(head) && utf8.Valid(head[:len(head)-utf8.UTFMax])) {
		return fmt.Errorf("%s is a binary file, not assembler source (it is not UTF-8 text)", name)
	}
	return nil
}

// assembleFile assembles a .S or .s file at 0x80000000.
func assembleFile(path string) (*load.Program, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := checkSource(path, src); err != nil {
		return nil, err
	}
	if src, err = preprocess(path, src); err != nil {
		return nil, err
	}
	obj, err := asm.Assemble(path, src, asm.Options{})
	if err != nil {
		return nil, fmt.Errorf("assembling %s:\n%w", path, err)
	}
	p := obj.Program(filepath.Base(path))
	if len(p.Segments) == 0 {
		return nil, fmt.Errorf("%s: nothing to load: the source assembles to no code and no data", path)
	}
	return p, nil
}

// role is what a program is to the machine: QEMU's -bios or -kernel.
type role int

const (
	firmwareRole role = iota // -bios: the boot ROM jumps to RAMBase
	kernelRole               // -kernel: the firmware gets its address in fw_dynamic_info
)

func (r role) String() string {
	if r == kernelRole {
		return "kernel"
	}
	return "program"
}

// loadProgramFile reads what every command accepts as a program: an
// assembler source (.S or .s, assembled in process at 0x80000000), an
// ELF, or else a raw image placed at rawAddr (with a note on stderr). It
// loads it as QEMU 7.2's virt loads a -bios or -kernel file, and warns
// (through warn and note) about what QEMU does silently: the parts of
// segments that lie outside the boot ROM and RAM are left out, a
// firmware ELF starts at RAMBase whatever its entry point, and a kernel
// ELF starts at its lowest load address. It returns the program as
// loaded (for the machine) and as the file describes it (for placing a
// raw kernel after it).
func loadProgramFile(path string, rawAddr uint64, r role, cfg spec.Config, warn, note func(string, ...any)) (loaded, whole *load.Program, err error) {
	isELF := true
	switch filepath.Ext(path) {
	case ".S", ".s":
		whole, err = assembleFile(path)
	default:
		var data []byte
		if data, err = os.ReadFile(path); err != nil {
			return nil, nil, err
		}
		isELF = load.IsELF(data)
		if whole, err = load.Bytes(filepath.Base(path), data, rawAddr); err == nil && !isELF {
			note("%s is not an ELF file (no \\x7fELF magic): loading its %d bytes as a raw image at %#x, as QEMU's -%s does",
				path, len(data), rawAddr, map[role]string{firmwareRole: "bios", kernelRole: "kernel"}[r])
		}
	}
	if err != nil {
		return nil, nil, err
	}
	loaded, dropped := load.Fit(whole, cfg)
	for _, d := range dropped {
		warn("%s: %v", path, d)
	}
	if len(loaded.Segments) == 0 {
		return nil, nil, fmt.Errorf("%s: nothing of it lies in the boot ROM or in RAM [%#x, %#x): nothing to run", path, uint64(spec.RAMBase), spec.RAMBase+cfg.RAM)
	}
	if !isELF {
		return loaded, whole, nil
	}
	switch r {
	case firmwareRole:
		if whole.Entry != spec.RAMBase {
			warn("%s: entry point %#x is not where execution starts: the boot ROM jumps to %#x, as QEMU's -bios does whatever the entry (docs/boot.md)",
				path, whole.Entry, uint64(spec.RAMBase))
		}
	case kernelRole:
		// QEMU 7.2's riscv_load_kernel hands the firmware the lowest load
		// address, not e_entry, as the kernel's entry (next_addr).
		if base := whole.LoadBase(); whole.Entry != base {
			warn("%s: entry point %#x is not where execution starts: the firmware is told to jump to the lowest load address %#x, as QEMU's -kernel does (docs/boot.md)",
				path, whole.Entry, base)
			loaded.Entry = base
		}
	}
	if !covered(loaded, startOf(r, loaded)) {
		warn("%s: execution starts at %#x, where nothing of the %s is loaded", path, startOf(r, loaded), r)
	}
	return loaded, whole, nil
}

// startOf is the address execution of p starts at in role r.
func startOf(r role, p *load.Program) uint64 {
	if r == firmwareRole {
		return spec.RAMBase
	}
	return p.Entry
}

func covered(p *load.Program, addr uint64) bool {
	for _, s := range p.Segments {
		if addr >= s.Addr && addr-s.Addr < s.MemSize {
			return true
		}
	}
	return false
}

// loadImage builds the reset image: firmware as -bios, kernel as -kernel
// (placed, when raw, where QEMU's riscv_calc_kernel_start_addr puts it:
// the first 2 MiB boundary after the firmware).
func loadImage(e *env, cfg spec.Config, firmware, kernel string) (*boot.Image, error) {
	fw, fwWhole, err := loadProgramFile(firmware, spec.RAMBase, firmwareRole, cfg, e.warnf, e.notef)
	if err != nil {
		return nil, err
	}
	var k *load.Program
	if kernel != "" {
		if k, _, err = loadProgramFile(kernel, boot.KernelAddr(fwWhole), kernelRole, cfg, e.warnf, e.notef); err != nil {
			return nil, err
		}
	}
	return boot.Build(cfg, fw, k)
}

// bootProgram is what run and diff start from: the default machine with
// harts harts, as the named targets need it (targets.AdjustConfig: an
// RVFI-DII implementation or a commit log starts at 0x80000000), and the
// reset image of program (and kernel). On an error it reports it and
// returns a nil image and the exit code.
func bootProgram(e *env, harts int, program, kernel string, names ...string) (spec.Config, *boot.Image, int) {
	cfg := targets.AdjustConfig(spec.DefaultConfig(), names...)
	cfg.Harts = harts
	if err := cfg.Validate(); err != nil {
		return cfg, nil, e.usagef("--harts: %v", err)
	}
	img, err := loadImage(e, cfg, program, kernel)
	if err != nil {
		return cfg, nil, e.errorf(exitUsage, "%v", err)
	}
	return cfg, img, exitOK
}
