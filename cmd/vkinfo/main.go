// Command vkinfo lists the Vulkan devices that vkcnn can use, describes
// each one and marks the one vkcnn would pick. With -check it instead
// runs every operation on that device and on the CPU backend with the
// same inputs, prints the largest difference per operation, and exits
// with status 1 if any operation differs by more than its tolerance.
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
	device := flag.Int("device", -1, "device index to mark as picked, or with -check the device to check; -1 picks VKCNN_DEVICE when set, else the best device by type")
	checkOps := flag.Bool("check", false, "compare every operation on the device with the CPU backend; exit with status 1 if any differs")
	quick := flag.Bool("quick", false, "with -check: try a few shapes per operation instead of all")
	seed := flag.Uint64("seed", 1, "with -check: seed of the random shapes and input values")
	validation := flag.Bool("validation", false, "with -check: enable the Khronos validation layer and fail on any message it reports")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: vkinfo [-device N]\n       vkinfo -check [-device N] [-quick] [-seed N] [-validation]\n\n"+
			"Lists every Vulkan device with its description and marks the one vkcnn would use.\n"+
			"-check compares every operation on that device with the CPU backend instead.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "vkinfo: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}

	if !*checkOps {
		if only := checkOnlyFlags(); len(only) > 0 {
			verb := "is"
			if len(only) > 1 {
				verb = "are"
			}
			fmt.Fprintf(os.Stderr, "vkinfo: %s %s only used with -check\n", strings.Join(only, " and "), verb)
			os.Exit(2)
		}
		if err := run(*device); err != nil {
			fmt.Fprintln(os.Stderr, "vkinfo:", err)
			os.Exit(1)
		}
		return
	}

	passed, err := runCheck(os.Stdout, checkOptions{device: *device, seed: *seed, quick: *quick, validation: *validation})
	if err != nil {
		fmt.Fprintln(os.Stderr, "vkinfo:", err)
		os.Exit(1)
	}
	if !passed {
		os.Exit(1)
	}
}

// checkOnlyFlags returns the flags set on the command line that only
// -check uses.
func checkOnlyFlags() []string {
	var set []string
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "quick", "seed", "validation":
			set = append(set, "-"+f.Name)
		}
	})
	return set
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
