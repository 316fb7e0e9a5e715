// Package safetensors reads and writes the Hugging Face safetensors format.
//
// A file is an 8-byte little-endian uint64 N, then N bytes of UTF-8 JSON
// header, then the byte buffer. The header is an object that maps each tensor
// name to its dtype, shape and data_offsets [begin, end], which are relative
// to the start of the byte buffer. An optional "__metadata__" key maps to an
// object of string values. Tensor data is raw little-endian in row-major
// order, and a scalar has the shape [] and one element.
//
// Decode treats its input as untrusted. It checks every size and offset in the
// header against the file before using it, and it rejects files whose tensors
// overlap or leave bytes of the buffer unindexed, as the format requires.
package safetensors
