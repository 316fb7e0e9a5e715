package peak

import (
	"fmt"
	"math"
	"time"

	"github.com/vkcnn/vkcnn/gpu"
)

// runTimeout bounds one submit of a timed dispatch. Dispatches aim at
// 200 ms at most, so only a hung device reaches it.
const runTimeout = time.Minute

// maxPlausibleNs rejects intervals that only a wrapped timestamp counter
// produces, because gpu.Recording.Timestamps subtracts raw ticks without
// masking them to timestampValidBits.
const maxPlausibleNs = float64(time.Hour)

// timedDispatch is a recording of one dispatch between two timestamps.
type timedDispatch struct {
	rec      *gpu.Recording
	name     string
	periodNs float32 // nanoseconds per timestamp tick
}

// newTimedDispatch records k over groups workgroups along x, with a
// timestamp before and after. The caller releases it.
func newTimedDispatch(dev *gpu.Device, k *gpu.Kernel, groups int, push []byte, buffers ...*gpu.Buffer) (*timedDispatch, error) {
	rec, err := dev.NewRecording(2)
	if err != nil {
		return nil, fmt.Errorf("peak: %s: %w", k.Name(), err)
	}
	rec.Timestamp("start")
	rec.Dispatch(k, [3]int{groups, 1, 1}, push, buffers...)
	rec.Timestamp("end")
	if err := rec.End(); err != nil {
		rec.Release()
		return nil, fmt.Errorf("peak: %s: %w", k.Name(), err)
	}
	return &timedDispatch{rec: rec, name: k.Name(), periodNs: dev.Info().TimestampPeriodNs}, nil
}

func (t *timedDispatch) release() { t.rec.Release() }

// run submits the dispatch once, waits for it and returns its device time
// in nanoseconds. The time is 0 when the dispatch took less than one
// timestamp tick.
func (t *timedDispatch) run() (float64, error) {
	if err := t.rec.Run(runTimeout); err != nil {
		return 0, fmt.Errorf("peak: %s: %w", t.name, err)
	}
	ns, _, err := t.rec.Timestamps()
	if err != nil {
		return 0, fmt.Errorf("peak: %s: %w", t.name, err)
	}
	elapsed := ns[1] - ns[0]
	if elapsed < 0 || elapsed > maxPlausibleNs {
		return 0, fmt.Errorf("peak: %s: timestamps %g ns apart, which only a wrapped counter produces, so run Measure again", t.name, elapsed)
	}
	return elapsed, nil
}

// best runs the dispatch repetitions times and returns the shortest time
// in nanoseconds, which is the one least disturbed by other work.
func (t *timedDispatch) best(repetitions int) (float64, error) {
	shortest := math.Inf(1)
	for range repetitions {
		ns, err := t.run()
		if err != nil {
			return 0, err
		}
		shortest = min(shortest, ns)
	}
	if shortest <= 0 {
		return 0, fmt.Errorf("peak: %s: dispatch took less than one timestamp tick of %g ns, so the device's timestamps are too coarse to time it",
			t.name, t.periodNs)
	}
	return shortest, nil
}
