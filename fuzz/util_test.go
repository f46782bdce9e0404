package fuzz_test

import (
	"time"

	"github.com/vcheck-dev/vcheck/spec/load"
)

func timeNow() time.Time { return time.Now() }

// flatten returns a program's memory from base, zero-filled between segments.
func flatten(base uint64, p interface{ Symbol(string) (uint64, bool) }) []byte {
	lp := p.(*load.Program)
	var out []byte
	for _, s := range lp.Segments {
		off := s.Addr - base
		if need := off + uint64(len(s.Data)); uint64(len(out)) < need {
			out = append(out, make([]byte, need-uint64(len(out)))...)
		}
		copy(out[off:], s.Data)
	}
	return out
}
