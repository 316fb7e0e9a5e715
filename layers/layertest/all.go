package layertest

import (
	"testing"

	"github.com/vkcnn/vkcnn/layers"
)

// TestAll runs every test of the suite as a subtest named after the
// operation or property it checks.
func TestAll(t *testing.T, newBackend func(testing.TB) layers.Backend) {
	tests := []struct {
		name string
		test func(*testing.T, func(testing.TB) layers.Backend)
	}{
		{"TensorTransfer", TestTensorTransfer},
		{"Conv2D", TestConv2D},
		{"Conv2DBackwardData", TestConv2DBackwardData},
		{"Conv2DBackwardFilter", TestConv2DBackwardFilter},
		{"Linear", TestLinear},
		{"LinearBackward", TestLinearBackward},
		{"ReLU", TestReLU},
		{"ReLUBackward", TestReLUBackward},
		{"MaxPool2D", TestMaxPool2D},
		{"MaxPool2DBackward", TestMaxPool2DBackward},
		{"Dropout", TestDropout},
		{"DropoutBackward", TestDropoutBackward},
		{"SoftmaxCrossEntropy", TestSoftmaxCrossEntropy},
		{"BatchNormTrain", TestBatchNormTrain},
		{"BatchNormEval", TestBatchNormEval},
		{"BatchNormBackward", TestBatchNormBackward},
		{"SGD", TestSGD},
		{"Replay", TestReplay},
		{"Views", TestViews},
		{"Determinism", TestDeterminism},
		{"ShapeErrors", TestShapeErrors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newBackend) })
	}
}
