package gpu_test

import "fmt"

func fmtSscan(s string, values ...any) (int, error) { return fmt.Sscan(s, values...) }
