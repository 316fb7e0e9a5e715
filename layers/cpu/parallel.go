package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// maxBatchParts is the number of parts a batch is split into, at most. It
// is a constant rather than the number of cores because a batch reduction
// (Conv2DBackwardFilter) adds one partial sum per part, and the results
// must not depend on the machine.
const maxBatchParts = 8

// minElementsPerPart keeps element-wise operations on small tensors on one
// goroutine, where handing out parts would cost more than it saves.
const minElementsPerPart = 1 << 15

// batchParts returns the number of parts for a batch of n samples.
func batchParts(n int) int {
	return min(n, maxBatchParts)
}

// elementParts returns the number of parts for an element-wise operation
// on n elements. It may depend on the machine because every element is
// computed on its own.
func elementParts(n int) int {
	return max(1, min(n/minElementsPerPart, 2*runtime.GOMAXPROCS(0)))
}

// partRange returns the half-open range [lo, hi) of part i when n items
// are split into parts ranges of nearly equal size.
func partRange(n, parts, i int) (lo, hi int) {
	return i * n / parts, (i + 1) * n / parts
}

// workerPool is a set of long-lived goroutines that help run parallel
// jobs, so Run starts no goroutines. With the goroutine that runs the job,
// GOMAXPROCS goroutines work on a job.
var workerPool struct {
	once    sync.Once
	workers int
	tasks   chan func()
}

func startWorkers() {
	workerPool.workers = runtime.GOMAXPROCS(0) - 1
	workerPool.tasks = make(chan func(), 64)
	for range workerPool.workers {
		go func() {
			for task := range workerPool.tasks {
				task()
			}
		}()
	}
}

// parallelJob runs body(0), ..., body(parts-1), each exactly once, on the
// calling goroutine and on idle pool workers, which take parts in order
// from a shared counter. Which goroutine runs a part is left to timing, so
// a body must compute the same result wherever it runs. A job is built at
// record time and allocates nothing when it runs. It must not be run by
// two goroutines at once, and a body must not run another job.
type parallelJob struct {
	parts   int
	body    func(part int)
	next    atomic.Int64   // the next part to take
	helpers sync.WaitGroup // pool workers still inside take
	help    func()         // the task sent to the pool
}

func newParallelJob(parts int, body func(part int)) *parallelJob {
	workerPool.once.Do(startWorkers)
	j := &parallelJob{parts: parts, body: body}
	j.help = func() {
		defer j.helpers.Done()
		j.take()
	}
	return j
}

// take runs parts until none is left.
func (j *parallelJob) take() {
	for {
		part := int(j.next.Add(1)) - 1
		if part >= j.parts {
			return
		}
		j.body(part)
	}
}

// run returns when every part has finished.
func (j *parallelJob) run() {
	j.next.Store(0)
	helpers := min(j.parts-1, workerPool.workers)
	j.helpers.Add(helpers)
	for range helpers {
		workerPool.tasks <- j.help
	}
	j.take()
	j.helpers.Wait()
}

// newElementwiseJob splits n elements into elementParts(n) ranges and
// returns a function that runs body on each of them, concurrently when
// there is more than one.
func newElementwiseJob(n int, body func(lo, hi int)) func() {
	parts := elementParts(n)
	if parts == 1 {
		return func() { body(0, n) }
	}
	job := newParallelJob(parts, func(part int) {
		body(partRange(n, parts, part))
	})
	return job.run
}
