package layertest

import (
	"math"

	"github.com/vkcnn/vkcnn/layers"
)

// The batch normalization references compute the definitions of package
// layers in float64. Unlike the other references they return absolute
// error bounds instead of scales, because each output combines errors
// from the per-channel statistics with the rounding of its own arithmetic.
// The bounds hold for float32 reductions in any order and with fused
// multiply-adds, and for both two-pass and one-pass (E[x²] − μ²)
// variances, because the variance bound is taken relative to Σx²/m.

// batchNormRsqrtError is the relative error allowed for 1/sqrt(σ²+ε) in
// float32: 8 ulp of at most 2u each. Vulkan's precision table allows 2 ulp
// for inversesqrt, and 1.0/sqrt(v) chains inversesqrt with two divisions
// of 2.5 ulp (sqrt is defined as 1.0/inversesqrt), about 7 ulp.
const batchNormRsqrtError = 16 * unitRoundoff

// channelIndices returns the flat indices of channel c's m values in x,
// sample by sample.
func (c BatchNormCase) channelIndices(channel int) []int {
	m := c.ValuesPerChannel()
	hw := m / c.N
	indices := make([]int, 0, m)
	for n := range c.N {
		for i := range hw {
			indices = append(indices, (n*c.C+channel)*hw+i)
		}
	}
	return indices
}

// batchNormStats are one channel's batch statistics with the bounds of
// their float32 errors.
type batchNormStats struct {
	mean, variance, invStd float64 // μ, biased σ² and 1/sqrt(σ²+ε)

	meanBound     float64 // absolute
	varianceBound float64 // absolute
	invStdBound   float64 // relative
}

// batchNormStatsRef computes μ = Σx/m, σ² = Σ(x−μ)²/m and s = 1/sqrt(σ²+ε)
// over the values of x at indices. The bounds are
//
//	|Δμ|  ≤ e_μ = SumTolerance(m)·Σ|x|/m
//	|Δσ²| ≤ e_v = SumTolerance(m)·Σx²/m + 2|μ|·e_μ + e_μ²
//	|Δs|/s ≤ ½·(e_v + u·(σ²+ε))/(σ²+ε) + batchNormRsqrtError
//
// where 2|μ|·e_μ + e_μ² covers the error of μ² in a one-pass variance.
func batchNormStatsRef(x []float64, indices []int, eps float64) batchNormStats {
	m := float64(len(indices))
	var sum, sumAbs, sumSquares float64
	for _, i := range indices {
		sum += x[i]
		sumAbs += math.Abs(x[i])
		sumSquares += x[i] * x[i]
	}
	mean := sum / m

	var centered float64
	for _, i := range indices {
		centered += (x[i] - mean) * (x[i] - mean)
	}
	variance := centered / m

	tol := SumTolerance(len(indices))
	s := batchNormStats{mean: mean, variance: variance, invStd: 1 / math.Sqrt(variance+eps)}
	s.meanBound = tol * sumAbs / m
	s.varianceBound = tol*sumSquares/m + 2*math.Abs(mean)*s.meanBound + s.meanBound*s.meanBound
	s.invStdBound = (s.varianceBound+unitRoundoff*(variance+eps))/(2*(variance+eps)) + batchNormRsqrtError
	return s
}

// batchNormTrainResult is the reference of BatchNormTrain: each output
// with the absolute bound of its float32 error, element by element.
type batchNormTrainResult struct {
	y, yBound                   []float64
	saveMean, saveMeanBound     []float64
	saveInvStd, saveInvStdBound []float64
	runMean, runMeanBound       []float64
	runVar, runVarBound         []float64
}

// batchNormTrainRef computes BatchNormTrain from the statistics of
// batchNormStatsRef:
//
//	y       = γ·(x−μ)·s + β
//	runMean = (1−momentum)·runMean + momentum·μ
//	runVar  = (1−momentum)·runVar + momentum·σ²·m/(m−1)
//
// The bound of y adds the error that Δμ and Δs cause to 8 roundings of the
// terms γ·s·|x|, γ·s·|μ| and |β| (the subtraction, two products and the
// addition, or a folded x·(γ·s) + (β − μ·γ·s), each at most twice). The
// running statistics add momentum times the statistic's bound to 4 and 6
// roundings of their terms (1−momentum, two products, the sum, and the
// factor m/(m−1) for the variance).
func batchNormTrainRef(bc BatchNormCase, x, gamma, beta, runMean, runVar []float64, p layers.BatchNormParams) batchNormTrainResult {
	eps, momentum := float64(p.Eps), float64(p.Momentum)
	m := float64(bc.ValuesPerChannel())
	r := batchNormTrainResult{
		y: make([]float64, len(x)), yBound: make([]float64, len(x)),
		saveMean: make([]float64, bc.C), saveMeanBound: make([]float64, bc.C),
		saveInvStd: make([]float64, bc.C), saveInvStdBound: make([]float64, bc.C),
		runMean: make([]float64, bc.C), runMeanBound: make([]float64, bc.C),
		runVar: make([]float64, bc.C), runVarBound: make([]float64, bc.C),
	}
	for c := range bc.C {
		indices := bc.channelIndices(c)
		s := batchNormStatsRef(x, indices, eps)

		scale := math.Abs(gamma[c]) * s.invStd
		for _, i := range indices {
			r.y[i] = gamma[c]*(x[i]-s.mean)*s.invStd + beta[c]
			statsError := scale * (s.meanBound + math.Abs(x[i]-s.mean)*s.invStdBound)
			r.yBound[i] = statsError + 8*unitRoundoff*(scale*(math.Abs(x[i])+math.Abs(s.mean))+math.Abs(beta[c]))
		}

		r.saveMean[c], r.saveMeanBound[c] = s.mean, s.meanBound
		r.saveInvStd[c], r.saveInvStdBound[c] = s.invStd, s.invStd*s.invStdBound

		keptMean, addedMean := (1-momentum)*runMean[c], momentum*s.mean
		r.runMean[c] = keptMean + addedMean
		r.runMeanBound[c] = momentum*s.meanBound + 4*unitRoundoff*(math.Abs(keptMean)+math.Abs(addedMean))

		keptVar, addedVar := (1-momentum)*runVar[c], momentum*s.variance*m/(m-1)
		r.runVar[c] = keptVar + addedVar
		r.runVarBound[c] = momentum*m/(m-1)*s.varianceBound + 6*unitRoundoff*(math.Abs(keptVar)+math.Abs(addedVar))
	}
	return r
}

// batchNormEvalRef computes y = γ·(x−runMean)/sqrt(runVar+ε) + β and the
// bound of its float32 error, 24u·(|γ|·s·(|x|+|runMean|) + |β|): 1/sqrt to
// batchNormRsqrtError and 8 roundings of the terms, as in batchNormTrainRef.
func batchNormEvalRef(bc BatchNormCase, x, gamma, beta, runMean, runVar []float64, p layers.BatchNormParams) (y, bound []float64) {
	y = make([]float64, len(x))
	bound = make([]float64, len(x))
	for c := range bc.C {
		invStd := 1 / math.Sqrt(runVar[c]+float64(p.Eps))
		scale := math.Abs(gamma[c]) * invStd
		for _, i := range bc.channelIndices(c) {
			y[i] = gamma[c]*(x[i]-runMean[c])*invStd + beta[c]
			bound[i] = 24 * unitRoundoff * (scale*(math.Abs(x[i])+math.Abs(runMean[c])) + math.Abs(beta[c]))
		}
	}
	return y, bound
}

// batchNormBackwardResult is the reference of BatchNormBackward with the
// absolute bounds of the float32 errors.
type batchNormBackwardResult struct {
	dx, dxBound         []float64
	dgamma, dgammaBound []float64
	dbeta, dbetaBound   []float64
}

// batchNormBackwardRef computes, with x̂ = (x−μ)·s for the given μ and s,
//
//	dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·s/m·(m·dy − dβ − x̂·dγ)
//
// Let ŝ = (|x|+|μ|)·s, which bounds |x̂| and makes 3u·ŝ bound the error of
// a computed x̂. Then
//
//	|Δdβ| ≤ e_β = SumTolerance(m)·Σ|dy|
//	|Δdγ| ≤ e_γ = SumTolerance(m+2)·Σ|dy|·ŝ
//	|Δdx| ≤ |γ|·s·(e_β/m + ŝ·e_γ/m + 8u·(|dy| + |dβ|/m + 2ŝ·|dγ|/m))
//
// where the last term is the rounding of the three-term difference and
// the products around it.
func batchNormBackwardRef(bc BatchNormCase, x, gamma, dy, mean, invStd []float64) batchNormBackwardResult {
	m := float64(bc.ValuesPerChannel())
	r := batchNormBackwardResult{
		dx: make([]float64, len(x)), dxBound: make([]float64, len(x)),
		dgamma: make([]float64, bc.C), dgammaBound: make([]float64, bc.C),
		dbeta: make([]float64, bc.C), dbetaBound: make([]float64, bc.C),
	}
	for c := range bc.C {
		indices := bc.channelIndices(c)
		xhat := func(i int) float64 { return (x[i] - mean[c]) * invStd[c] }
		xhatScale := func(i int) float64 { return (math.Abs(x[i]) + math.Abs(mean[c])) * invStd[c] }

		var dbeta, dgamma, dyAbs, dgammaScale float64
		for _, i := range indices {
			dbeta += dy[i]
			dgamma += dy[i] * xhat(i)
			dyAbs += math.Abs(dy[i])
			dgammaScale += math.Abs(dy[i]) * xhatScale(i)
		}
		r.dbeta[c], r.dbetaBound[c] = dbeta, SumTolerance(len(indices))*dyAbs
		r.dgamma[c], r.dgammaBound[c] = dgamma, SumTolerance(len(indices)+2)*dgammaScale

		scale := math.Abs(gamma[c]) * invStd[c]
		for _, i := range indices {
			r.dx[i] = gamma[c] * invStd[c] / m * (m*dy[i] - dbeta - xhat(i)*dgamma)
			statsError := (r.dbetaBound[c] + xhatScale(i)*r.dgammaBound[c]) / m
			rounding := 8 * unitRoundoff * (math.Abs(dy[i]) + math.Abs(dbeta)/m + 2*xhatScale(i)*math.Abs(dgamma)/m)
			r.dxBound[i] = scale * (statsError + rounding)
		}
	}
	return r
}
