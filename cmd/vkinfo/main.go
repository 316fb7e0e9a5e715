// Command vkinfo lists the Vulkan devices that vkcnn can use, describes
// each one and marks the one vkcnn would pick.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/vkcnn/vkcnn/gpu"
)

func main() {
	device := flag.Int("device", -1, "device index to mark as picked; -1 picks VKCNN_DEVICE when set, else the best device by type")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: vkinfo [-device N]\n\nLists every Vulkan device with its description and marks the one vkcnn would use.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	if err := run(*device); err != nil {
		fmt.Fprintln(os.Stderr, "vkinfo:", err)
		os.Exit(1)
	}
}

func run(device int) error {
	infos, pick, err := gpu.Devices(gpu.Options{DeviceIndex: device})
	if errors.Is(err, gpu.ErrNoLoader) || (errors.Is(err, gpu.ErrNoDevice) && len(infos) == 0) {
		return fmt.Errorf("%w\nvkcnn can still train on the CPU: go run ./cmd/train -backend cpu", err)
	}
	if err != nil {
		printDevices(infos, -1)
		return err
	}
	printDevices(infos, pick)
	fmt.Printf("vkcnn would use device %d (%s). Choose another with -device N or VKCNN_DEVICE=N.\n", pick, infos[pick].Name)
	fmt.Printf("Khronos validation layer: %s\n", availability(gpu.ValidationAvailable()))
	return nil
}

func printDevices(infos []gpu.Info, pick int) {
	for _, info := range infos {
		mark := " "
		if info.Index == pick {
			mark = "*"
		}
		fmt.Printf("%s device %d: %s\n", mark, info.Index, info.Name)
		// The heading above already names the device, so skip String's name line.
		lines := strings.Split(strings.TrimSpace(info.String()), "\n")
		for _, line := range lines[1:] {
			fmt.Printf("    %s\n", line)
		}
		fmt.Println()
	}
}

func availability(ok bool) string {
	if ok {
		return "installed"
	}
	return "not installed (Debian/Ubuntu: apt-get install vulkan-validationlayers)"
}
