package data

import "context"

// Epoch iterates over the batches of one epoch:
//
//	it := loader.Epoch(ctx, epoch)
//	defer it.Close()
//	for it.Next() {
//		b := it.Batch()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
//
// With LoaderOptions.Prefetch > 0 a goroutine prepares the next batches while the caller works
// on the current one. The batch from Batch stays valid, and is not written by that goroutine,
// until the next call to Next or Close. An Epoch is not safe for concurrent use.
type Epoch struct {
	loader *Loader
	epoch  int
	order  []int
	total  int

	ctx    context.Context
	cancel context.CancelFunc

	current   *Batch
	delivered int
	err       error
	closed    bool

	// ready carries prepared batches from the producer goroutine, and free carries the batches
	// that the caller is done with back to it. Both are nil without prefetch.
	ready chan *Batch
	free  chan *Batch

	// done is closed when the producer goroutine has returned.
	done chan struct{}

	// buffers is the maximum number of batch buffers in use, and allocated counts those taken
	// so far. Only the producer touches allocated until done is closed.
	buffers   int
	allocated int
}

func startEpoch(parent context.Context, l *Loader, epoch int) *Epoch {
	ctx, cancel := context.WithCancel(parent)
	e := &Epoch{
		loader: l,
		epoch:  epoch,
		order:  l.Order(epoch),
		total:  l.NumBatches(),
		ctx:    ctx,
		cancel: cancel,
	}
	if l.opts.Prefetch == 0 {
		return e
	}

	// The caller holds one buffer, the producer fills one, and ready buffers up to Prefetch.
	// free can take all of them, so returning a buffer never blocks.
	e.buffers = l.opts.Prefetch + 2
	e.ready = make(chan *Batch, l.opts.Prefetch)
	e.free = make(chan *Batch, e.buffers)
	e.done = make(chan struct{})
	go e.produce()
	return e
}

// Next advances to the next batch and reports whether there is one. It returns false at the
// end of the epoch, after Close, and when the context is cancelled, in which case Err
// returns the context's error. At the end of the epoch Next releases the buffers as Close does.
func (e *Epoch) Next() bool {
	if e.closed || e.err != nil {
		return false
	}
	if err := e.ctx.Err(); err != nil {
		e.err = err
		return false
	}
	if e.delivered == e.total {
		e.Close()
		return false
	}

	if e.ready == nil {
		return e.nextInline()
	}
	return e.nextPrefetched()
}

func (e *Epoch) nextInline() bool {
	if e.current == nil {
		e.current = e.loader.takeBuffer()
	}
	e.loader.fill(e.current, e.order, e.epoch, e.delivered)
	e.delivered++
	return true
}

func (e *Epoch) nextPrefetched() bool {
	if e.current != nil {
		e.free <- e.current
		e.current = nil
	}

	select {
	case b, ok := <-e.ready:
		if !ok {
			// The producer closes ready early only when the context is cancelled.
			e.err = e.ctx.Err()
			return false
		}
		e.current = b
		e.delivered++
		return true

	case <-e.ctx.Done():
		e.err = e.ctx.Err()
		return false
	}
}

// Batch returns the current batch. It is valid until the next call to Next or Close.
func (e *Epoch) Batch() *Batch {
	return e.current
}

// Err returns the context's error if a cancellation ended the epoch early, else nil.
func (e *Epoch) Err() error {
	return e.err
}

// Close stops the producer goroutine, waits for it to return and hands the batch buffers back
// to the loader for later epochs. Close may be called more than once.
func (e *Epoch) Close() {
	if e.closed {
		return
	}
	e.closed = true
	e.cancel()

	if e.done != nil {
		<-e.done
		for b := range e.ready {
			e.loader.returnBuffer(b)
		}
		for len(e.free) > 0 {
			e.loader.returnBuffer(<-e.free)
		}
	}
	if e.current != nil {
		e.loader.returnBuffer(e.current)
		e.current = nil
	}
}

// produce fills batches in order and sends them on ready until the epoch ends or the
// context is cancelled.
func (e *Epoch) produce() {
	defer close(e.done)
	defer close(e.ready)

	for index := range e.total {
		b := e.acquire()
		if b == nil {
			return
		}
		e.loader.fill(b, e.order, e.epoch, index)

		select {
		case e.ready <- b:
		case <-e.ctx.Done():
			e.free <- b
			return
		}
	}
}

// acquire returns a buffer that the caller has released, a new one while fewer than
// e.buffers are in use, or nil when the context is cancelled while waiting.
func (e *Epoch) acquire() *Batch {
	select {
	case b := <-e.free:
		return b
	default:
	}

	if e.allocated < e.buffers {
		e.allocated++
		return e.loader.takeBuffer()
	}

	select {
	case b := <-e.free:
		return b
	case <-e.ctx.Done():
		return nil
	}
}
