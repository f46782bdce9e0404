package diff

import (
	"runtime/debug"
	"sync"

	"github.com/vcheck-dev/vcheck/spec"
)

// prefetch runs a target on its own goroutine and hands its records over
// in batches, so that two targets in lockstep run on two cores and the
// comparison is bound by the slower target alone. It has Target's
// methods, for the comparison loop.
//
// It is used only where no state is read in the middle of a run (default
// mode): the goroutine runs ahead of the comparison by up to a few
// batches, so the target's state is reliable only once stop has returned
// and the target has exited or reached the limit.
type prefetch struct {
	t     Target
	ch    chan batch
	quit  chan struct{}
	wg    sync.WaitGroup
	cur   batch
	i     int
	first spec.Exit // the target's exit before any step
	began bool
}

// batch is a run of records, and the target's exit after the last one
// (Running unless the target stopped there).
type batch struct {
	recs  []spec.Retire
	exit  spec.Exit
	panic *TargetPanic // the target panicked after recs
}

const (
	batchSize  = 1024
	batchAhead = 4 // batches the goroutine may run ahead
)

func newPrefetch(t Target, limit uint64) *prefetch {
	p := &prefetch{t: t, ch: make(chan batch, batchAhead), quit: make(chan struct{}), first: t.Exit()}
	if p.first.Reason != spec.Running {
		close(p.ch)
		return p
	}
	p.wg.Add(1)
	go p.produce(limit)
	return p
}

func (p *prefetch) produce(limit uint64) {
	defer p.wg.Done()
	defer close(p.ch)
	var n uint64
	var b batch
	defer func() {
		// A target that panics must not take the process down: the
		// panic goes to the comparison, which reports it as an error.
		if r := recover(); r != nil {
			b.panic = &TargetPanic{Index: n, Value: r, Stack: debug.Stack()}
			select {
			case p.ch <- b:
			case <-p.quit:
			}
		}
	}()
	for n < limit {
		b = batch{recs: newRecs()}
		for len(b.recs) < batchSize && n < limit {
			b.recs = append(b.recs, p.t.Step())
			n++
			if e := p.t.Exit(); e.Reason != spec.Running {
				b.exit = e
				break
			}
		}
		select {
		case p.ch <- b:
		case <-p.quit:
			return
		}
		if b.exit.Reason != spec.Running {
			return
		}
	}
}

// Step returns the next record. The comparison loop calls it only while
// Exit reports Running, and never past the limit the goroutine was given.
func (p *prefetch) Step() spec.Retire {
	if !p.began || p.i == len(p.cur.recs) {
		if p.began && p.cur.panic != nil {
			panic(p.cur.panic)
		}
		if p.began {
			freeRecs(p.cur.recs) // handed out by value: nothing points into it
		}
		p.cur, p.i, p.began = <-p.ch, 0, true
		if len(p.cur.recs) == 0 && p.cur.panic != nil {
			panic(p.cur.panic)
		}
	}
	r := p.cur.recs[p.i]
	p.i++
	return r
}

// Exit reports the target's exit after the records handed out so far.
func (p *prefetch) Exit() spec.Exit {
	if !p.began {
		return p.first
	}
	if p.i < len(p.cur.recs) {
		return spec.Exit{}
	}
	return p.cur.exit
}

// State is the target's state; valid once stop has returned.
func (p *prefetch) State(hart int) spec.ArchState { return p.t.State(hart) }

// stop ends the goroutine and waits for it, so that the target is the
// caller's alone again.
func (p *prefetch) stop() {
	close(p.quit)
	p.wg.Wait()
	for b := range p.ch { // what the goroutine ran ahead
		freeRecs(b.recs)
	}
	freeRecs(p.cur.recs) // the comparison is over: no Step follows
	p.cur.recs = nil
}

// recsPool holds record buffers of batchSize for the batches of the next
// runs: a fuzz campaign compares thousands of short runs a second, and a
// new buffer per batch (~130 KiB) was most of what it allocated.
var recsPool = sync.Pool{New: func() any { return new([batchSize]spec.Retire) }}

func newRecs() []spec.Retire { return recsPool.Get().(*[batchSize]spec.Retire)[:0] }

func freeRecs(recs []spec.Retire) {
	if cap(recs) == batchSize {
		recsPool.Put((*[batchSize]spec.Retire)(recs[:batchSize]))
	}
}
