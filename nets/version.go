package nets

import (
	"runtime/debug"
	"sync"
)

// release is the version of this source tree, raised with each release.
const release = "0.4.0-dev"

// Version returns vkcnn's version for weights files and reports. It is the
// release, followed by the Git revision of the build when the Go toolchain
// recorded one (go build does unless -buildvcs=false; test binaries do not).
var Version = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return release
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if revision == "" {
		return release
	}
	return release + "+" + revision + modified
})
