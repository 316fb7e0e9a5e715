package cpu

import (
	"fmt"

	"github.com/vkcnn/vkcnn/layers"
)

// BatchNormBackward records the training-mode gradients of BatchNormTrain,
// whose statistics depend on x. For each channel c, with its m values,
// μ = saveMean[c], s = saveInvStd[c] and x̂_i = (x_i − μ)·s:
//
//	dβ_c  = Σ dy_i
//	dγ_c  = Σ dy_i·x̂_i
//	dx_i  = γ_c·s·(dy_i − dβ_c/m − x̂_i·dγ_c/m)
//
// which is γ·s/m·(m·dy − dβ − x̂·dγ) written with the means of dy and
// dy·x̂.
func (p *Program[T]) BatchNormBackward(x, gamma, dy, saveMean, saveInvStd, dx, dgamma, dbeta layers.Tensor, bp layers.BatchNormParams) {
	p.record("BatchNormBackward", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		xt := ops.tensor("x", x)
		gt := ops.tensor("gamma", gamma)
		dyt := ops.tensor("dy", dy)
		smt := ops.tensor("saveMean", saveMean)
		sst := ops.tensor("saveInvStd", saveInvStd)
		dxt := ops.tensor("dx", dx)
		dgt := ops.tensor("dgamma", dgamma)
		dbt := ops.tensor("dbeta", dbeta)
		if ops.err != nil {
			return nil, ops.err
		}
		g, err := batchNormSetup(xt.shape, bp)
		if err != nil {
			return nil, err
		}

		derivedFrom := fmt.Sprintf("for x %v", xt.shape)
		ops.shape("gamma", gt, g.channelShape(), derivedFrom)
		ops.sameShape("dy", dyt, "x", xt)
		ops.shape("saveMean", smt, g.channelShape(), derivedFrom)
		ops.shape("saveInvStd", sst, g.channelShape(), derivedFrom)
		ops.sameShape("dx", dxt, "x", xt)
		ops.shape("dgamma", dgt, g.channelShape(), derivedFrom)
		ops.shape("dbeta", dbt, g.channelShape(), derivedFrom)
		ops.distinctOutputs(
			[]namedTensor[T]{{"dx", dxt}, {"dgamma", dgt}, {"dbeta", dbt}},
			[]namedTensor[T]{{"x", xt}, {"gamma", gt}, {"dy", dyt}, {"saveMean", smt}, {"saveInvStd", sst}},
		)
		if ops.err != nil {
			return nil, ops.err
		}

		xd, gd, dyd, smd, ssd := xt.Data(), gt.Data(), dyt.Data(), smt.Data(), sst.Data()
		dxd, dgd, dbd := dxt.Data(), dgt.Data(), dbt.Data()
		m := float64(g.valuesPerChannel())
		run := newChannelJob(g, func(c int) {
			mean, invStd := float64(smd[c]), float64(ssd[c])
			var sumDy, sumDyCentered float64
			for n := range g.n {
				xb, dyb := channelBlock(g, xd, n, c), channelBlock(g, dyd, n, c)
				for i, v := range xb {
					d := float64(dyb[i])
					sumDy += d
					sumDyCentered += d * (float64(v) - mean)
				}
			}
			sumDyXhat := sumDyCentered * invStd
			dbd[c], dgd[c] = T(sumDy), T(sumDyXhat)

			scale := T(float64(gd[c]) * invStd)
			meanDy, meanDyXhat := T(sumDy/m), T(sumDyXhat/m)
			meanT, invStdT := T(mean), T(invStd)
			for n := range g.n {
				xb, dyb, dxb := channelBlock(g, xd, n, c), channelBlock(g, dyd, n, c), channelBlock(g, dxd, n, c)
				for i, v := range xb {
					xhat := (v - meanT) * invStdT
					dxb[i] = scale * (dyb[i] - meanDy - xhat*meanDyXhat)
				}
			}
		})
		return func(layers.StepState) error {
			run()
			return nil
		}, nil
	})
}
