package gpu

// #include <stdlib.h>
import "C"

import "unsafe"

// cBytes copies data into C memory, for create-info structs that point at
// data: cgo's rules forbid storing Go pointers in C memory. The caller
// frees the copy with freeC.
func cBytes(data []byte) unsafe.Pointer { return C.CBytes(data) }

func freeC(p unsafe.Pointer) { C.free(p) }
