// Package bench stores benchmark results in a versioned JSON file and
// presents them: as aligned text tables for one file, as a side-by-side
// comparison of several files, and as PNG bar charts.
//
// The JSON format is described field by field, with units, in
// docs/BENCH_SCHEMA.md. The Go types in schema.go follow that document,
// and bench/pytorch_train.py and other non-Go writers must follow it too,
// so that one Compare call can set vkcnn and PyTorch runs side by side.
package bench
