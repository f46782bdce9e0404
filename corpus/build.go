package corpus

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/vcheck-dev/vcheck/spec"
	"github.com/vcheck-dev/vcheck/spec/boot"
	"github.com/vcheck-dev/vcheck/spec/load"
	"github.com/vcheck-dev/vcheck/toolchain/asm"
	"github.com/vcheck-dev/vcheck/toolchain/cpp"
)

// Load turns a corpus program into a loadable program with no external
// tool: an ELF is read as it is; a source goes through toolchain/cpp (with
// #include resolved in the program's own directory of the embedded
// corpus) and toolchain/asm.
func (p Program) Load() (*load.Program, error) {
	name := path.Base(p.Path)
	if !p.IsSource() {
		return load.ELFBytes(name, p.Data)
	}
	src, err := cpp.Preprocess(p.Path, p.Data, cpp.Options{Include: func(inc string) ([]byte, error) {
		return fs.ReadFile(files, path.Join(p.Dir(), inc))
	}})
	if err != nil {
		return nil, err
	}
	obj, err := asm.Assemble(p.Path, src, asm.Options{})
	if err != nil {
		return nil, err
	}
	return obj.Program(name), nil
}

// Image lays the program out in the reset image of cfg (boot ROM, device
// tree, program), as QEMU's -bios would.
func (p Program) Image(cfg spec.Config) (*boot.Image, error) {
	prog, err := p.Load()
	if err != nil {
		return nil, err
	}
	img, err := boot.Build(cfg, prog, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Path, err)
	}
	return img, nil
}

// Runnable reports whether the program is a whole program to run, as
// opposed to a support file: the benchmark sources (crt0.S) are linked
// into the benchmark ELFs, which are what runs.
func (p Program) Runnable() bool {
	return !(p.Dir() == "bench" && p.IsSource())
}

// OpenFinding reports whether the program is a regress finding not yet
// fixed: its header's status is not "fixed" (with or without a note, e.g.
// "fixed (24e36b7: ...)").
func (p Program) OpenFinding() bool {
	if p.Dir() != "regress" {
		return false
	}
	status, _ := p.HeaderField("status")
	return !strings.HasPrefix(status, "fixed")
}
