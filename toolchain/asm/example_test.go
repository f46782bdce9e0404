package asm_test

import (
	"fmt"

	"github.com/vcheck-dev/vcheck/toolchain/asm"
)

func ExampleAssemble() {
	src := `
	.globl _start
_start:
	li a0, 0x10000000   # the UART
	li a1, 'A'
	sb a1, 0(a0)
1:	j 1b
`
	obj, err := asm.Assemble("hello.S", []byte(src), asm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := obj.Program("hello.S")
	fmt.Printf("entry %#x, %d bytes at %#x\n", p.Entry, len(p.Segments[0].Data), p.Segments[0].Addr)
	fmt.Printf("% x\n", obj.Sections[0].Data)

	_, err = asm.Assemble("bad.S", []byte("addi a0, a0, 5000\nfoo a0\n"), asm.Options{})
	fmt.Println(err)
	// Output:
	// entry 0x80000000, 14 bytes at 0x80000000
	// 37 05 00 10 93 05 10 04 23 00 b5 00 01 a0
	// bad.S:1: addi: immediate 5000 out of range [-2048, 2047]
	// bad.S:2: unknown instruction "foo"
}
