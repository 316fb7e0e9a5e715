package gpu

import (
	"strings"
	"testing"
)

func TestNoDeviceHintNamesFixes(t *testing.T) {
	t.Setenv("VK_DRIVER_FILES", "")
	t.Setenv("VK_ICD_FILENAMES", "")
	hint := noDeviceHint()
	if !strings.Contains(hint, "mesa-vulkan-drivers") {
		t.Errorf("hint %q does not name the driver package", hint)
	}
	if !strings.Contains(hint, "CPU backend") {
		t.Errorf("hint %q does not name the CPU backend", hint)
	}

	t.Setenv("VK_ICD_FILENAMES", "/x.json")
	if hint := noDeviceHint(); !strings.Contains(hint, "VK_ICD_FILENAMES") || !strings.Contains(hint, "/x.json") {
		t.Errorf("hint %q does not name VK_ICD_FILENAMES and its value", hint)
	}
}
