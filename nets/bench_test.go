package nets_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vkcnn/vkcnn/gpu"
	"github.com/vkcnn/vkcnn/gpu/gputest"
	"github.com/vkcnn/vkcnn/layers"
	"github.com/vkcnn/vkcnn/layers/cpu"
	"github.com/vkcnn/vkcnn/layers/vulkan"
	"github.com/vkcnn/vkcnn/nets"
)

// BenchmarkTrainStep times one training step of each model at batch 64
// (forward, loss, backward, SGD, and the read-back of the loss) on each
// backend and reports training images per second. On Vulkan it also logs
// the device time of each shader, from timestamps (visible with -v).
func BenchmarkTrainStep(b *testing.B) {
	const batch = 64
	backends := map[string]func(*testing.B) layers.Backend{
		"cpu": func(*testing.B) layers.Backend { return cpu.New() },
		"vulkan": func(b *testing.B) layers.Backend {
			vk, err := vulkan.NewOnDevice(gputest.Open(b, gpu.Options{}))
			if err != nil {
				b.Fatal(err)
			}
			vk.Profile = true
			return vk
		},
	}
	for _, model := range nets.Names() {
		spec, _ := nets.Lookup(model)
		images, labels := randomBatches(1, batch, spec.Input.Len())
		for _, name := range []string{"cpu", "vulkan"} {
			b.Run(model+"/"+name, func(b *testing.B) {
				backend := backends[name](b)
				defer backend.Close()
				m, err := nets.Build(spec, backend, batch, 1)
				if err != nil {
					b.Fatal(err)
				}
				defer m.Release()
				step := func(i int) {
					if _, err := m.TrainStep(images[0], labels[0], batch, uint32(i), 0.01); err != nil {
						b.Fatal(err)
					}
				}
				step(0) // records the program and warms caches
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					step(i + 1)
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")

				if vk, ok := backend.(*vulkan.Backend); ok && vk.Profile {
					logProfile(b, m, batch)
				}
			})
		}
	}
}

// logProfile logs the device time per shader of the last training step.
func logProfile(b *testing.B, m *nets.Model, batch int) {
	p, err := m.Program(batch, true)
	if err != nil {
		b.Fatal(err)
	}
	times, err := p.(*vulkan.Program).Profile()
	if err != nil {
		b.Fatal(err)
	}
	perOp := map[string]float64{}
	var total float64
	for _, t := range times {
		perOp[t.Op] += t.Ns
		total += t.Ns
	}
	ops := make([]string, 0, len(perOp))
	for op := range perOp {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return perOp[ops[i]] > perOp[ops[j]] })
	var out strings.Builder
	fmt.Fprintf(&out, "device time of one step: %.1f ms\n", total/1e6)
	for _, op := range ops {
		fmt.Fprintf(&out, "  %-40s %8.2f ms %5.1f%%\n", op, perOp[op]/1e6, 100*perOp[op]/total)
	}
	b.Log(out.String())
}
