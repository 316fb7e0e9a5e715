package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveDirFlagWins(t *testing.T) {
	t.Setenv(DataDirEnv, "/from/env")

	got, err := ResolveDir("/from/flag")
	if err != nil {
		t.Fatal(err)
	}
	if got != "/from/flag" {
		t.Errorf("ResolveDir = %q, want /from/flag", got)
	}
}

func TestResolveDirEnv(t *testing.T) {
	t.Setenv(DataDirEnv, "/from/env")

	got, err := ResolveDir("")
	if err != nil {
		t.Fatal(err)
	}
	if got != "/from/env" {
		t.Errorf("ResolveDir = %q, want /from/env", got)
	}
}

func TestResolveDirUserCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(DataDirEnv, "")
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	t.Setenv("LocalAppData", cache)

	got, err := ResolveDir("")
	if err != nil {
		t.Fatal(err)
	}

	// XDG_CACHE_HOME sets the cache on Linux and BSD, HOME on macOS, LocalAppData on Windows.
	if !strings.HasPrefix(got, cache) {
		t.Errorf("ResolveDir = %q, want a path under the cache %q", got, cache)
	}
	if !strings.HasSuffix(got, filepath.Join("vkcnn", "datasets")) {
		t.Errorf("ResolveDir = %q, want it to end in vkcnn/datasets", got)
	}

	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(got, filepath.Dir(wd)) {
		t.Errorf("ResolveDir = %q, which is inside the source tree %q", got, filepath.Dir(wd))
	}
}
