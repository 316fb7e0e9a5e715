package cpu

import (
	"fmt"
	"math"

	"github.com/vkcnn/vkcnn/layers"
)

// Batch normalization works on one channel at a time. The per-channel sums
// are accumulated in float64 for both element types, and so are the values
// derived from them: mean, variance, 1/sqrt(σ²+ε), the running statistics
// and the parameter gradients. This keeps the float32 backend accurate for
// sums of many values. The per-element outputs y and dx are computed in
// the element type. Each channel is summed by one goroutine in index
// order, and parts only split the set of channels, so the results do not
// depend on the number of cores.

// batchNormGeometry is the layout of batch normalization's input: n
// samples of c channels with hw values each, hw = H·W for [N,C,H,W] and
// 1 for [N,C].
type batchNormGeometry struct {
	n, c, hw int
}

// newBatchNormGeometry derives the geometry from the shape of x.
func newBatchNormGeometry(x layers.Shape) (batchNormGeometry, error) {
	switch len(x) {
	case 2:
		return batchNormGeometry{n: x[0], c: x[1], hw: 1}, nil
	case 4:
		return batchNormGeometry{n: x[0], c: x[1], hw: x[2] * x[3]}, nil
	}
	return batchNormGeometry{}, fmt.Errorf("x has shape %v, expected [N,C,H,W] or [N,C]", x)
}

// valuesPerChannel returns m = N·H·W, the number of values each channel's
// statistics are taken over.
func (g batchNormGeometry) valuesPerChannel() int { return g.n * g.hw }

// channelBlock returns the hw values of sample n and channel c in data,
// which has the layout of x. A channel's m values are its blocks for
// n = 0, ..., N−1.
func channelBlock[T Float](g batchNormGeometry, data []T, n, c int) []T {
	start := (n*g.c + c) * g.hw
	return data[start : start+g.hw]
}

// channelShape returns [C], the shape of every per-channel operand.
func (g batchNormGeometry) channelShape() layers.Shape { return layers.Shape{g.c} }

// newChannelJob returns a function that runs body on every channel, in
// parallel parts of whole channels when the tensor is large enough.
func newChannelJob(g batchNormGeometry, body func(c int)) func() {
	return newPlaneJob(g.c, g.valuesPerChannel(), body)
}

// checkBatchNormParams rejects a negative or NaN ε and a momentum outside
// [0, 1].
func checkBatchNormParams(p layers.BatchNormParams) error {
	if !(p.Eps >= 0) {
		return fmt.Errorf("invalid Eps %v: it must be at least 0", p.Eps)
	}
	if !(p.Momentum >= 0 && p.Momentum <= 1) {
		return fmt.Errorf("invalid Momentum %v: it must be in [0, 1]", p.Momentum)
	}
	return nil
}

// batchNormSetup checks the parameters, then returns the geometry of x,
// the first steps of every batch normalization operation.
func batchNormSetup(x layers.Shape, p layers.BatchNormParams) (batchNormGeometry, error) {
	if err := checkBatchNormParams(p); err != nil {
		return batchNormGeometry{}, err
	}
	return newBatchNormGeometry(x)
}

// BatchNormTrain records batch normalization with the statistics of the
// batch. For each channel c, with its m = N·H·W values x_i:
//
//	μ      = Σ x_i / m
//	σ²     = Σ (x_i − μ)² / m          (biased, two passes over x)
//	s      = 1 / sqrt(σ² + ε)
//	y_i    = γ_c·(x_i − μ)·s + β_c
//	saveMean[c] = μ, saveInvStd[c] = s
//	runMean[c]  = (1 − momentum)·runMean[c] + momentum·μ
//	runVar[c]   = (1 − momentum)·runVar[c] + momentum·σ²·m/(m − 1)
//
// The running variance uses the unbiased estimate, as PyTorch does, so
// m = 1 is rejected.
func (p *Program[T]) BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd layers.Tensor, bp layers.BatchNormParams) {
	p.record("BatchNormTrain", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		gt := ops.tensor("gamma", gamma)
		bt := ops.tensor("beta", beta)
		yt := ops.tensor("y", y)
		rmt := ops.tensor("runMean", runMean)
		rvt := ops.tensor("runVar", runVar)
		smt := ops.tensor("saveMean", saveMean)
		sst := ops.tensor("saveInvStd", saveInvStd)
		if ops.err != nil {
			return nil, ops.err
		}
		g, err := batchNormSetup(xt.shape, bp)
		if err != nil {
			return nil, err
		}
		if g.valuesPerChannel() < 2 {
			return nil, fmt.Errorf("x has shape %v, which gives each channel 1 value, but training needs "+
				"more than one value per channel: use a batch of at least 2, or H·W > 1", xt.shape)
		}

		derivedFrom := fmt.Sprintf("for x %v", xt.shape)
		ops.shape("gamma", gt, g.channelShape(), derivedFrom)
		ops.shape("beta", bt, g.channelShape(), derivedFrom)
		ops.sameShape("y", yt, "x", xt)
		ops.shape("runMean", rmt, g.channelShape(), derivedFrom)
		ops.shape("runVar", rvt, g.channelShape(), derivedFrom)
		ops.shape("saveMean", smt, g.channelShape(), derivedFrom)
		ops.shape("saveInvStd", sst, g.channelShape(), derivedFrom)
		ops.distinctOutputs(
			[]namedTensor[T]{{"y", yt}, {"runMean", rmt}, {"runVar", rvt}, {"saveMean", smt}, {"saveInvStd", sst}},
			[]namedTensor[T]{{"x", xt}, {"gamma", gt}, {"beta", bt}},
		)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, gd, bd, yd := xt.Data(), gt.Data(), bt.Data(), yt.Data()
		rmd, rvd, smd, ssd := rmt.Data(), rvt.Data(), smt.Data(), sst.Data()
		m := float64(g.valuesPerChannel())
		eps, momentum := float64(bp.Eps), float64(bp.Momentum)
		run := newChannelJob(g, func(c int) {
			var sum float64
			for n := range g.n {
				for _, v := range channelBlock(g, xd, n, c) {
					sum += float64(v)
				}
			}
			mean := sum / m

			var squares float64
			for n := range g.n {
				for _, v := range channelBlock(g, xd, n, c) {
					d := float64(v) - mean
					squares += d * d
				}
			}
			variance := squares / m
			invStd := 1 / math.Sqrt(variance+eps)

			smd[c], ssd[c] = T(mean), T(invStd)
			rmd[c] = T((1-momentum)*float64(rmd[c]) + momentum*mean)
			rvd[c] = T((1-momentum)*float64(rvd[c]) + momentum*variance*m/(m-1))

			normalize(g, xd, yd, c, T(mean), T(float64(gd[c])*invStd), bd[c])
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}

// BatchNormEval records batch normalization with the running statistics:
// y_i = γ_c·(x_i − runMean[c])/sqrt(runVar[c] + ε) + β_c.
func (p *Program[T]) BatchNormEval(x, gamma, beta, runMean, runVar, y layers.Tensor, bp layers.BatchNormParams) {
	p.record("BatchNormEval", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		gt := ops.tensor("gamma", gamma)
		bt := ops.tensor("beta", beta)
		rmt := ops.tensor("runMean", runMean)
		rvt := ops.tensor("runVar", runVar)
		yt := ops.tensor("y", y)
		if ops.err != nil {
			return nil, ops.err
		}
		g, err := batchNormSetup(xt.shape, bp)
		if err != nil {
			return nil, err
		}

		derivedFrom := fmt.Sprintf("for x %v", xt.shape)
		ops.shape("gamma", gt, g.channelShape(), derivedFrom)
		ops.shape("beta", bt, g.channelShape(), derivedFrom)
		ops.shape("runMean", rmt, g.channelShape(), derivedFrom)
		ops.shape("runVar", rvt, g.channelShape(), derivedFrom)
		ops.sameShape("y", yt, "x", xt)
		ops.distinctOutputs(
			[]namedTensor[T]{{"y", yt}},
			[]namedTensor[T]{{"x", xt}, {"gamma", gt}, {"beta", bt}, {"runMean", rmt}, {"runVar", rvt}},
		)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, gd, bd, yd := xt.Data(), gt.Data(), bt.Data(), yt.Data()
		rmd, rvd := rmt.Data(), rvt.Data()
		eps := float64(bp.Eps)
		run := newChannelJob(g, func(c int) {
			invStd := 1 / math.Sqrt(float64(rvd[c])+eps)
			normalize(g, xd, yd, c, rmd[c], T(float64(gd[c])*invStd), bd[c])
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}

// normalize writes y_i = (x_i − mean)·scale + shift for the values of
// channel c, where scale = γ·s and shift = β.
func normalize[T Float](g batchNormGeometry, xd, yd []T, c int, mean, scale, shift T) {
	for n := range g.n {
		xb, yb := channelBlock(g, xd, n, c), channelBlock(g, yd, n, c)
		for i, v := range xb {
			yb[i] = (v-mean)*scale + shift
		}
	}
}
