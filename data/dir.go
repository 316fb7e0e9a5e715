package data

import (
	"fmt"
	"os"
	"path/filepath"
)

// DataDirEnv is the environment variable that sets the data directory when no flag does.
const DataDirEnv = "VKCNN_DATA"

// ResolveDir returns the data directory: flagValue if it is not empty, else $VKCNN_DATA if that
// is not empty, else <user cache dir>/vkcnn/datasets. It never falls back to the working
// directory, so datasets do not end up in the source tree. The directory need not exist.
func ResolveDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if env := os.Getenv(DataDirEnv); env != "" {
		return env, nil
	}

	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("data: no data directory: set -data or %s, because the user cache directory is unknown: %w", DataDirEnv, err)
	}
	return filepath.Join(cache, "vkcnn", "datasets"), nil
}
