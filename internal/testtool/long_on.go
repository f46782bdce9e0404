//go:build long

package testtool

// Long is true under the opt-in tag long (go test -tags long): tests run
// their long cases too (see OptIns).
const Long = true
