// Package engine is the fast rv64pg engine, the "hardware" vcheck diffs
// against the reference model: RV64IMAC + Zicsr + Zifencei + Zicntr, M/S/U
// (Priv. 1.12), Sv39, 16-entry PMP, and QEMU virt's CLINT, PLIC, 16550
// UART, sifive_test finisher and HTIF mailbox.
//
// It is written independently of refmodel: it decodes spec.Insts in its
// own way and implements every semantic, translation and device itself.
//
//	engine.New(cfg, img) ─► Machine ─ Harts[i]: x[256], pc, mode, CSRs, TLBs
//	                          ├─ ram []byte (flat, RAMBase..)
//	                          ├─ codePages: predecoded [2048]inst per 4 KiB page, and its blocks
//	                          └─ CLINT, PLIC, UART, finisher, HTIF
//
// Machine implements cmd/vcheck's machine interface and diff.Target
// (Step, Run, Exit, Retired, State, SetConsole). Hart is the hypervisor's
// view: registers, mode, CSRs, PMP, satp, RunUntilTrap and Intercept.
// docs/engine.md describes the design.
package engine
