package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress is the status line of a long run, on stderr. The command sets
// the status as it goes (Printf); a ticker shows it, with the elapsed
// time, once the run has lasted progressDelay: on a terminal as one line
// that rewrites itself, and, when --progress asks for it off a terminal
// (a CI log), as a plain line every progressLogEvery, and the last status
// at the end. Off a terminal without --progress, and with
// --progress=false, it shows nothing.
type progress struct {
	w       io.Writer
	tty     bool
	on      bool
	start   time.Time
	mu      sync.Mutex
	status  string // the latest status
	written string // the last status written
	shown   bool   // something was written
	done    chan struct{}
	wg      sync.WaitGroup
}

// These are variables so that tests need not wait.
var (
	progressDelay    = time.Second // runs shorter than this show no progress
	progressTTYEvery = 100 * time.Millisecond
	progressLogEvery = 5 * time.Second
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newProgress starts the command's progress line on stderr.
func (e *env) newProgress() *progress {
	p := &progress{w: e.stderr, tty: isTerminal(e.stderr), start: time.Now(), done: make(chan struct{})}
	switch e.progress {
	case progressAlways:
		p.on = true
	case progressAuto:
		p.on = p.tty
	}
	if !p.on {
		return p
	}
	every := progressLogEvery
	if p.tty {
		every = progressTTYEvery
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case <-time.After(progressDelay):
		case <-p.done:
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			p.show()
			select {
			case <-t.C:
			case <-p.done:
				return
			}
		}
	}()
	return p
}

// Printf sets the status.
func (p *progress) Printf(format string, args ...any) {
	if !p.on {
		return
	}
	msg := fmt.Sprintf(format, args...)
	p.mu.Lock()
	p.status = msg
	p.mu.Unlock()
}

func (p *progress) show() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status == "" {
		return
	}
	line := fmt.Sprintf("%s [%s]", p.status, time.Since(p.start).Round(time.Second))
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K"+line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.written, p.shown = p.status, true
}

// Done stops the progress line: on a terminal it is cleared; in a log the
// final status is written, when anything was.
func (p *progress) Done() {
	if !p.on {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	close(p.done)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.tty && p.shown:
		fmt.Fprint(p.w, "\r\033[K")
	case !p.tty && p.status != "" && (p.shown && p.status != p.written || !p.shown && time.Since(p.start) >= progressDelay):
		fmt.Fprintf(p.w, "%s [%s]\n", p.status, time.Since(p.start).Round(time.Second))
	}
}
