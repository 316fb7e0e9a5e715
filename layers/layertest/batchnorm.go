package layertest

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// batchNormParams are PyTorch's defaults, which every test uses.
var batchNormParams = layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}

// batchNormInputs returns x uniform in [−1, 2), whose mean 0.5 is not 0,
// γ, β and a running mean of either sign, and a running variance in
// [0.5, 2), for one case.
func batchNormInputs(rng *rand.Rand, bc BatchNormCase) (x, gamma, beta, runMean, runVar []float32) {
	x = uniform(rng, bc.XShape().Len(), -1, 2)
	gamma = uniform(rng, bc.C, -1.5, 1.5)
	beta = uniform(rng, bc.C, -1, 1)
	runMean = uniform(rng, bc.C, -1, 1)
	runVar = uniform(rng, bc.C, 0.5, 2)
	return x, gamma, beta, runMean, runVar
}

// TestBatchNormTrain checks y, the saved statistics and the running
// statistics of BatchNormTrain after one run and after a second run of
// the same program on new x, which must update the running statistics
// again. For the cases with one value per channel it requires End to
// reject the recording.
func TestBatchNormTrain(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(16)
	for _, c := range BatchNormCases() {
		t.Run(c.String(), func(t *testing.T) {
			x, gamma, beta, runMean, runVar := batchNormInputs(rng, c)
			xt := newTensor(t, b, c.XShape(), x)
			gt := newTensor(t, b, c.ChannelShape(), gamma)
			bt := newTensor(t, b, c.ChannelShape(), beta)
			rmt := newTensor(t, b, c.ChannelShape(), runMean)
			rvt := newTensor(t, b, c.ChannelShape(), runVar)
			yt := newOutput(t, b, c.XShape())
			smt := newOutput(t, b, c.ChannelShape())
			sst := newOutput(t, b, c.ChannelShape())
			p := newProgram(t, b)
			p.BatchNormTrain(xt, gt, bt, yt, rmt, rvt, smt, sst, batchNormParams)

			err := p.End()
			if !c.Trainable() {
				checkOneValueRejected(t, err)
				return
			}
			if err != nil {
				t.Fatalf("End: %v", err)
			}

			for runIndex := range 2 {
				if runIndex == 1 {
					x = uniform(rng, len(x), -1, 2)
					upload(t, b, xt, x)
				}
				run(t, p, layers.StepState{})
				r := batchNormTrainRef(c, widen(x), widen(gamma), widen(beta), widen(runMean), widen(runVar), batchNormParams)

				// Each bound (see batchNormTrainRef) adds the error of the
				// float32 statistics to the rounding of the output's terms.
				checkClose(t, "y", c.XShape(), download(t, b, yt), r.y, r.yBound, 1)
				checkClose(t, "saveMean", c.ChannelShape(), download(t, b, smt), r.saveMean, r.saveMeanBound, 1)
				checkClose(t, "saveInvStd", c.ChannelShape(), download(t, b, sst), r.saveInvStd, r.saveInvStdBound, 1)
				gotMean, gotVar := download(t, b, rmt), download(t, b, rvt)
				checkClose(t, "runMean", c.ChannelShape(), gotMean, r.runMean, r.runMeanBound, 1)
				checkClose(t, "runVar", c.ChannelShape(), gotVar, r.runVar, r.runVarBound, 1)

				// Continue from the backend's running statistics, so that
				// the second run's check covers one update only.
				runMean, runVar = gotMean, gotVar
			}
		})
	}
}

// checkOneValueRejected requires err to be End's rejection of a
// BatchNormTrain with one value per channel.
func checkOneValueRejected(t *testing.T, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("End returned no error for one value per channel, expected a rejection as in PyTorch training")
	case !strings.Contains(err.Error(), "BatchNormTrain"):
		t.Errorf("End returned %q, which does not name BatchNormTrain", err)
	case !strings.Contains(err.Error(), "more than one value per channel"):
		t.Errorf("End returned %q, which does not say that training needs more than one value per channel", err)
	}
}

// TestBatchNormEval checks BatchNormEval on every case, including those
// with one value per channel, which evaluation accepts.
func TestBatchNormEval(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(17)
	for _, c := range BatchNormCases() {
		t.Run(c.String(), func(t *testing.T) {
			x, gamma, beta, runMean, runVar := batchNormInputs(rng, c)
			xt := newTensor(t, b, c.XShape(), x)
			gt := newTensor(t, b, c.ChannelShape(), gamma)
			bt := newTensor(t, b, c.ChannelShape(), beta)
			rmt := newTensor(t, b, c.ChannelShape(), runMean)
			rvt := newTensor(t, b, c.ChannelShape(), runVar)
			yt := newOutput(t, b, c.XShape())
			p := newProgram(t, b)
			p.BatchNormEval(xt, gt, bt, rmt, rvt, yt, batchNormParams)
			endAndRun(t, p, layers.StepState{})

			want, bound := batchNormEvalRef(c, widen(x), widen(gamma), widen(beta), widen(runMean), widen(runVar), batchNormParams)
			// 1/sqrt to 8 ulp and 8 roundings of the terms (see
			// batchNormEvalRef), 24u of their sum.
			checkClose(t, "y", c.XShape(), download(t, b, yt), want, bound, 1)
		})
	}
}

// TestBatchNormBackward checks dx, dgamma and dbeta of BatchNormBackward
// on every case that BatchNormTrain accepts, with saveMean and saveInvStd
// set to the float32 statistics of x.
func TestBatchNormBackward(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	b := openBackend(t, newBackend)
	rng := newRand(18)
	for _, c := range BatchNormCases() {
		if !c.Trainable() {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			x, gamma, _, _, _ := batchNormInputs(rng, c)
			dy := uniform(rng, len(x), -1, 1)
			mean := make([]float32, c.C)
			invStd := make([]float32, c.C)
			for channel := range c.C {
				s := batchNormStatsRef(widen(x), c.channelIndices(channel), float64(batchNormParams.Eps))
				mean[channel], invStd[channel] = float32(s.mean), float32(s.invStd)
			}

			xt := newTensor(t, b, c.XShape(), x)
			gt := newTensor(t, b, c.ChannelShape(), gamma)
			dyt := newTensor(t, b, c.XShape(), dy)
			smt := newTensor(t, b, c.ChannelShape(), mean)
			sst := newTensor(t, b, c.ChannelShape(), invStd)
			dxt := newOutput(t, b, c.XShape())
			dgt := newOutput(t, b, c.ChannelShape())
			dbt := newOutput(t, b, c.ChannelShape())
			p := newProgram(t, b)
			p.BatchNormBackward(xt, gt, dyt, smt, sst, dxt, dgt, dbt, batchNormParams)
			endAndRun(t, p, layers.StepState{})

			r := batchNormBackwardRef(c, widen(x), widen(gamma), widen(dy), widen(mean), widen(invStd))
			// dbeta and dgamma sum m values or products, and dx adds their
			// errors to the rounding of its own terms (see
			// batchNormBackwardRef).
			checkClose(t, "dbeta", c.ChannelShape(), download(t, b, dbt), r.dbeta, r.dbetaBound, 1)
			checkClose(t, "dgamma", c.ChannelShape(), download(t, b, dgt), r.dgamma, r.dgammaBound, 1)
			checkClose(t, "dx", c.XShape(), download(t, b, dxt), r.dx, r.dxBound, 1)
		})
	}
}
