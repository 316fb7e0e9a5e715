package cpu_test

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/layertest"
)

// TestGradientBatchNorm checks BatchNormBackward against central
// differences of L = Σ y⊙r through BatchNormTrain, which recomputes the
// batch statistics from the perturbed x, so dx includes the terms that
// flow through μ and σ².
func TestGradientBatchNorm(t *testing.T) {
	params := layers.BatchNormParams{Eps: 1e-5, Momentum: 0.1}
	for _, c := range layertest.BatchNormCases() {
		if !c.Trainable() {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			g := newGradTest(t, 7)
			x := g.tensor(c.XShape(), -1, 2)
			gamma := g.tensor(c.ChannelShape(), -1.5, 1.5)
			beta := g.tensor(c.ChannelShape(), -1, 1)
			y := g.tensor(c.XShape(), 0, 0)
			runMean := g.tensor(c.ChannelShape(), 0, 0)
			runVar := g.tensor(c.ChannelShape(), 1, 1)
			saveMean := g.tensor(c.ChannelShape(), 0, 0)
			saveInvStd := g.tensor(c.ChannelShape(), 0, 0)
			r := g.tensor(c.XShape(), -1, 1)
			dx := g.tensor(c.XShape(), 0, 0)
			dgamma := g.tensor(c.ChannelShape(), 0, 0)
			dbeta := g.tensor(c.ChannelShape(), 0, 0)

			// Each run also updates the running statistics, which y does
			// not depend on.
			forward := g.program(func(p layers.Program) {
				p.BatchNormTrain(x, gamma, beta, y, runMean, runVar, saveMean, saveInvStd, params)
			})
			backward := g.program(func(p layers.Program) {
				p.BatchNormBackward(x, gamma, r, saveMean, saveInvStd, dx, dgamma, dbeta, params)
			})
			forward(layers.StepState{})
			backward(layers.StepState{})
			loss := func() float64 {
				forward(layers.StepState{})
				return dot(y, r)
			}

			g.check("dx", x, data(dx), loss)
			g.check("dgamma", gamma, data(dgamma), loss)
			g.check("dbeta", beta, data(dbeta), loss)
		})
	}
}
