package asm

import (
	"reflect"
	"testing"

	"github.com/vcheck-dev/vcheck/spec/load"
)

// TestLoaderAgrees: spec/load reads our ELF file into the same program
// as Object.Program gives without a file.
func TestLoaderAgrees(t *testing.T) {
	for name, src := range map[string]string{
		"boot":  bootProgram,
		"plain": "nop\n",
		"rodata": ".section .rodata\nr: .string \"x\"\n.text\n.globl _start\n_start: la a0, r\n" +
			".data\nd: .dword 1\n.bss\nb: .zero 100\n.section .tohost,\"aw\",@progbits\n.align 6\ntohost: .dword 0\n",
	} {
		obj, err := Assemble(name+".S", []byte(src), Options{})
		if err != nil {
			t.Fatal(err)
		}
		image, err := obj.ELF()
		if err != nil {
			t.Fatal(err)
		}
		got, err := load.ELFBytes(name+".elf", image)
		if err != nil {
			t.Fatalf("%s: spec/load rejects our ELF: %v", name, err)
		}
		want := obj.Program(name + ".elf")
		if got.Entry != want.Entry || !reflect.DeepEqual(got.Segments, want.Segments) {
			t.Errorf("%s: spec/load reads entry %#x segments %+v\nObject.Program gives entry %#x segments %+v",
				name, got.Entry, got.Segments, want.Entry, want.Segments)
		}
		for sym, v := range want.Symbols {
			if gv, ok := got.Symbols[sym]; !ok || gv != v {
				t.Errorf("%s: symbol %s: spec/load %#x (%v), ours %#x", name, sym, gv, ok, v)
			}
		}
	}
}
