// Package shaders holds vkcnn's GLSL compute shaders and the SPIR-V
// compiled from them. The SPIR-V is committed, so building vkcnn needs no
// shader compiler. `make shaders` rebuilds it with glslc and checks it with
// spirv-val, and `make test` fails when a committed .spv differs from what
// its source compiles to.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.spv
var spirv embed.FS

// Lookup returns the SPIR-V of the shader compiled from name.comp.
func Lookup(name string) ([]byte, error) {
	code, err := spirv.ReadFile(name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shaders: no shader named %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return code, nil
}

// Names lists the embedded shaders, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(spirv, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".spv"))
	}
	sort.Strings(names)
	return names
}
