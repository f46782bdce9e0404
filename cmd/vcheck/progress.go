package main

import (
	"fmt"
	"io"
	"os"
)

// progress prints a one-line status that rewrites itself on a terminal.
// On a pipe or a file (CI logs) it prints nothing, so logs stay clean.
type progress struct {
	w   io.Writer
	tty bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// Printf replaces the status line.
func (p *progress) Printf(format string, args ...any) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K"+format, args...)
	}
}

// Done clears the status line.
func (p *progress) Done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
