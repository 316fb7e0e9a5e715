// Package report writes the records of a training run: the shared time
// log, confusion matrices as text and PNG, loss and accuracy curves as
// PNG, and a JSON summary per model.
//
// # Time log
//
// time_log.txt is a tab-separated text file that grows by one line per
// model trained. The first line is the header
//
//	date	model	dataset	backend	device	epochs	train_images	train_seconds	images_per_second	test_accuracy_percent
//
// and each later line has these columns:
//
//   - date: when the entry was written, RFC 3339 in UTC to the second
//     (2025-03-01T14:05:09Z).
//   - model: the model name, such as the names nets.Names returns.
//   - dataset: the dataset the model was trained and tested on.
//   - backend: the compute backend, vulkan or cpu.
//   - device: the GPU name for vulkan, or a CPU description.
//   - epochs: the number of epochs this run trained.
//   - train_images: training images processed by those epochs, summed
//     over the epochs.
//   - train_seconds: wall-clock seconds spent in the training steps of
//     those epochs, with 1 decimal. The tests after each epoch are not
//     included.
//   - images_per_second: training throughput with 1 decimal, as the
//     caller measured it (normally train_images / train_seconds).
//   - test_accuracy_percent: accuracy on the whole test set after the
//     last epoch, in percent with 2 decimals.
//
// Tabs, carriage returns and line feeds inside the text columns are
// replaced by spaces, so every entry stays on one line. AppendTimeLog
// only appends and never rewrites earlier lines.
package report
