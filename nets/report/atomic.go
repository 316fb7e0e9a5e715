package report

import (
	"fmt"
	"io"

	"github.com/vkcnn/vkcnn/nets/atomicfile"
)

// writeFileAtomic replaces path with what write writes, atomically (see
// atomicfile.Write).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
