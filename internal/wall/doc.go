// Package wall holds the test that keeps the layers of
// docs/architecture.md apart. It has no code of its own; run
// `go test ./internal/wall` (CI does, with the rest of the suite).
//
// The table below is the rule, and TestWall reads it from this comment,
// so what the documentation says is what the test checks. One row per
// package pattern: what the package's own code may import besides the
// standard library, and what its tests (in-package and _test packages)
// may import besides that. A pattern P/... covers P and every package
// below it, P alone only P; paths without a dot are in this module;
// "*" allows anything, "-" nothing. A package takes the first row that
// covers it, and a package no row covers is itself a violation: a new
// package gets its row here first.
//
//	package            may import                                                          its tests may also import
//	spec/...           spec/...                                                            internal/testtool
//	toolchain/...      spec/... toolchain/...                                              internal/testtool
//	refmodel/...       spec/... refmodel/...                                               toolchain/... internal/testtool
//	impl/devices/...   spec/... impl/devices/...                                           toolchain/... corpus internal/testtool
//	impl/engine/...    spec/... impl/engine/... impl/devices/...                           toolchain/... corpus internal/testtool
//	impl/vmm/...       spec/... impl/vmm/... impl/engine/... impl/devices/...              toolchain/... corpus internal/testtool
//	diff               spec/... github.com/google/go-cmp/...                               *
//	diff/...           spec/... diff                                                       *
//	corpus             spec/... toolchain/...                                              *
//	pg                 spec/... refmodel/... toolchain/... internal/jsonout                *
//	fuzz/...           spec/... diff/... github.com/google/go-cmp/... pgregory.net/rapid   *
//	internal/targets   spec/... diff/... refmodel/... impl/...                             *
//	internal/jsonout   spec/...                                                            *
//	internal/testtool  -                                                                   -
//	internal/tlacheck  -                                                                   internal/testtool
//	internal/wall      -                                                                   -
//	cmd/...            *                                                                   *
//
// So spec, the architecture as data, stands alone; the toolchain
// (assembler, disassembler, C preprocessor) knows only spec; the two
// implementations, refmodel and impl, share nothing but spec, and their
// tests reach GNU tools and the corpus, never each other, diff or fuzz;
// inside impl the VMM sits on the engine and the devices, and the engine
// on the devices; diff knows spec and go-cmp only, and its external
// adapters (diff/gdb, diff/rvfi) diff and spec only; internal/targets is
// the one registry that imports both implementations; internal/jsonout
// (the JSON conventions of every output) knows spec only; and cmd/vcheck
// may import anything.
//
// Two rules more are checked on every dependency, direct or not, tests
// included, and reported with the import chain: impl/... never depends on
// refmodel/..., nor refmodel/... on impl/... (so that no bug reaches
// both from one shared helper, where no comparison could find it); and
// no package but internal/targets and cmd/... depends on both (tests may,
// as fuzz's and corpus's do: they compare the two).
package wall
