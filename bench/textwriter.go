package bench

import (
	"fmt"
	"io"
)

// textWriter prints to w and keeps the first write error, so that a
// report can be printed line by line and the error checked once at the end.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) println(line string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, line+"\n")
	}
}
