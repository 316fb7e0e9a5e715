// Package data reads MNIST, Fashion-MNIST and CIFAR-10 in their usual file
// formats, downloads and verifies missing files (Ensure), normalizes and
// augments images, and cuts datasets into seeded, shuffled batches that a
// goroutine prepares ahead of the trainer (NewLoader). Every parser checks
// its input and returns an error naming the file and the problem. No
// parser sizes an allocation by a header it has not checked.
package data
