// Package layertest is a conformance suite for layers.Backend, written once
// and run against every backend, in the manner of gonum's blas/testblas.
//
// Each exported TestXxx function checks one operation (or one property of
// programs) of the backend that newBackend returns, by comparing its
// float32 results with a naive float64 reference computed in this package
// from the definitions in package layers. A backend's own test file calls
// them, for example:
//
//	func TestConformance(t *testing.T) {
//		layertest.TestAll(t, func(t testing.TB) layers.Backend {
//			b, err := vulkan.NewOnDevice(gputest.Open(t, gpu.Options{}))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return b
//		})
//	}
//
// Every test function calls newBackend once and closes the backend when it
// ends, before any cleanup that newBackend registered on t (such as the
// device close of gputest.Open). newBackend may call t.Skip when the
// backend cannot run on the machine. Cases run as subtests named after
// their shapes, so one case of the example above can be rerun with
// go test -run 'TestConformance/Conv2D/N1_C3_'.
//
// Tolerances bound the float32 rounding error of any summation order and of
// fused multiply-adds, so they hold for GPU kernels as well. Each is stated
// beside its check.
package layertest
