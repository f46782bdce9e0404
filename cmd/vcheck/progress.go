package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress prints a one-line status that rewrites itself on a terminal.
// On a pipe or a file (CI logs) it prints a plain line at most every
// logEvery, so a long run shows it is alive without flooding the log.
type progress struct {
	w       io.Writer
	tty     bool
	last    time.Time
	pending string // the latest status not yet written to a log
}

const logEvery = 10 * time.Second

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
	msg := fmt.Sprintf(format, args...)
	switch {
	case p.tty:
		fmt.Fprint(p.w, "\r\033[K"+msg)
	case p.last.IsZero():
		p.last, p.pending = time.Now(), msg // the first line comes after logEvery
	case time.Since(p.last) >= logEvery:
		p.last, p.pending = time.Now(), ""
		fmt.Fprintln(p.w, msg)
	default:
		p.pending = msg
	}
}

// Done clears the status line on a terminal; in a log it writes the
// final status, if it was not written yet.
func (p *progress) Done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	} else if p.pending != "" {
		fmt.Fprintln(p.w, p.pending)
		p.pending = ""
	}
}
