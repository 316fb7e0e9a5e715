package cpu

import (
	"fmt"
	"math"

	"github.com/vkcnn/vkcnn/layers"
)

// SoftmaxCrossEntropy records the cross-entropy loss of logits z [N,K]
// against labels [N] (class indices stored as floats). For each row n with
// label t, m = max_k z[n,k] and s = Σ_k exp(z[n,k] − m):
//
//	loss_n           = (m − z[n,t]) + log s   (= −log softmax(z[n])[t])
//	dlogits[n,k]     = (exp(z[n,k] − m)/s − [k = t]) / N
//	stats[0]         = Σ_n loss_n
//	stats[1]         = number of rows whose first maximal logit is at t
//
// Subtracting m keeps every exp in [0, 1], so logits of ±1000 neither
// overflow nor lose the loss. The row arithmetic is in float64. Run fails
// when a label is not an integer in [0, K).
func (p *Program[T]) SoftmaxCrossEntropy(logits, labels, dlogits, stats layers.Tensor) {
	p.record("SoftmaxCrossEntropy", func() (func(layers.StepState) error, error) {
		ops := operands[T]{backend: p.backend}
		zt := ops.tensor("logits", logits)
		lt := ops.tensor("labels", labels)
		dzt := ops.tensor("dlogits", dlogits)
		st := ops.tensor("stats", stats)
		if ops.err != nil {
			return nil, ops.err
		}
		if len(zt.shape) != 2 {
			return nil, fmt.Errorf("logits has shape %v, expected 2 dimensions [N,K]", zt.shape)
		}
		n, k := zt.shape[0], zt.shape[1]
		derivedFrom := fmt.Sprintf("for logits %v", zt.shape)
		ops.shape("labels", lt, layers.Shape{n}, derivedFrom)
		ops.sameShape("dlogits", dzt, "logits", zt)
		ops.shape("stats", st, layers.Shape{2}, "(loss sum, correct count)")
		for _, out := range []struct {
			name string
			t    *Tensor[T]
		}{{"dlogits", dzt}, {"stats", st}} {
			ops.distinct(out.name, out.t, "logits", zt)
			ops.distinct(out.name, out.t, "labels", lt)
		}
		ops.distinct("stats", st, "dlogits", dzt)
		if ops.err != nil {
			return nil, ops.err
		}

		zd, ld, dzd, sd := zt.Data(), lt.Data(), dzt.Data(), st.Data()
		return func(layers.StepState) error {
			var lossSum, correct float64
			for row := range n {
				z := zd[row*k : (row+1)*k]
				dz := dzd[row*k : (row+1)*k]
				label := float64(ld[row])
				if !(label >= 0 && label < float64(k) && label == math.Trunc(label)) {
					return fmt.Errorf("label %v of row %d is not a class index in [0, %d)", label, row, k)
				}
				t := int(label)

				argmax := 0
				for i, v := range z {
					if v > z[argmax] {
						argmax = i
					}
				}
				m := float64(z[argmax])
				var s float64
				for _, v := range z {
					s += math.Exp(float64(v) - m)
				}

				lossSum += (m - float64(z[t])) + math.Log(s)
				if argmax == t {
					correct++
				}
				for i, v := range z {
					g := math.Exp(float64(v)-m) / s
					if i == t {
						g--
					}
					dz[i] = T(g / float64(n))
				}
			}
			sd[0], sd[1] = T(lossSum), T(correct)
			return nil
		}, nil
	})
}
