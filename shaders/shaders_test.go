package shaders

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// TestEverySourceCompiled checks that each .comp file has an embedded
// SPIR-V module with the SPIR-V magic number, and no module lacks a source.
func TestEverySourceCompiled(t *testing.T) {
	sources, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range sources {
		if name, ok := strings.CutSuffix(e.Name(), ".comp"); ok {
			want[name] = true
		}
	}
	if len(want) == 0 {
		t.Fatal("no .comp sources found")
	}

	for name := range want {
		code, err := Lookup(name)
		if err != nil {
			t.Errorf("%s.comp: %v (run make shaders)", name, err)
			continue
		}
		if len(code) < 20 || binary.LittleEndian.Uint32(code) != 0x07230203 {
			t.Errorf("%s.spv is not SPIR-V", name)
		}
	}
	for _, name := range Names() {
		if !want[name] {
			t.Errorf("%s.spv has no %s.comp source", name, name)
		}
	}
}

func TestLookupUnknownName(t *testing.T) {
	_, err := Lookup("no-such-shader")
	if err == nil || !strings.Contains(err.Error(), "no-such-shader") {
		t.Fatalf("Lookup(unknown) error = %v, want one naming the shader", err)
	}
}
