package main

import (
	"fmt"
	"os"
	"path/filepath"

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

// loadProgramFile reads what every command accepts as a program: an
// assembler source (.S or .s, assembled in process at 0x80000000), an
// ELF, or else a raw image placed at rawAddr.
func loadProgramFile(path string, rawAddr uint64) (*load.Program, error) {
	switch filepath.Ext(path) {
	case ".S", ".s":
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if src, err = preprocess(path, src); err != nil {
			return nil, err
		}
		obj, err := asm.Assemble(path, src, asm.Options{})
		if err != nil {
			return nil, fmt.Errorf("assembling %s:\n%w", path, err)
		}
		return obj.Program(filepath.Base(path)), nil
	}
	return load.File(path, rawAddr)
}
