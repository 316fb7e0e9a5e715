package data

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fakeCIFAR returns one-record batches under the official file names, with labels 0..5.
func fakeCIFAR() map[string][]byte {
	batches := make(map[string][]byte)
	for i, name := range append(slices.Clone(cifar10TrainFiles), cifar10TestFile) {
		batches[name] = cifarBatch([]byte{byte(i)}, i)
	}
	return batches
}

// fakeCIFARSource returns a source for the fake batches with their real checksums and an
// archive without a checksum, as in the registry.
func fakeCIFARSource(baseURL string) Source {
	source := Source{
		Dataset:        "cifar10",
		Subdir:         CIFAR10Subdir,
		BaseURLs:       []string{baseURL},
		Archive:        &RemoteFile{Name: cifar10ArchiveName, MaxSize: 1 << 20, Gzip: true},
		IgnoredMembers: []string{"batches.meta.txt", "readme.html"},
	}
	for _, name := range append(slices.Clone(cifar10TrainFiles), cifar10TestFile) {
		body := fakeCIFAR()[name]
		source.Files = append(source.Files, RemoteFile{Name: name, SHA256: sha256Of(body), Size: int64(len(body)), MaxSize: int64(len(body))})
	}
	return source
}

// fakeCIFAREntries returns the members of a good archive: the folder, the batches and the
// ignored files.
func fakeCIFAREntries() []tarEntry {
	entries := []tarEntry{{name: CIFAR10Subdir + "/", typeflag: tar.TypeDir}}
	for _, name := range append(slices.Clone(cifar10TrainFiles), cifar10TestFile) {
		entries = append(entries, tarEntry{name: CIFAR10Subdir + "/" + name, typeflag: tar.TypeReg, body: fakeCIFAR()[name]})
	}
	entries = append(entries,
		tarEntry{name: CIFAR10Subdir + "/batches.meta.txt", typeflag: tar.TypeReg, body: []byte("airplane\n")},
		tarEntry{name: CIFAR10Subdir + "/readme.html", typeflag: tar.TypeReg, body: []byte("<html></html>")},
	)
	return entries
}

// ensureArchive serves archive as the CIFAR-10 archive and runs Ensure into a new directory.
func ensureArchive(t *testing.T, archive []byte, setup func(dir string)) (string, *bytes.Buffer, error) {
	t.Helper()

	server := newFakeServer(t, map[string][]byte{"/kriz/" + cifar10ArchiveName: archive})
	source := fakeCIFARSource(server.URL + "/kriz/")
	dir := t.TempDir()
	if setup != nil {
		setup(dir)
	}
	var out bytes.Buffer
	err := Ensure(context.Background(), dir, "cifar10", EnsureOptions{Source: &source, Output: &out})
	return dir, &out, err
}

func TestEnsureArchiveExtracts(t *testing.T) {
	dir, out, err := ensureArchive(t, tarGz(t, fakeCIFAREntries()), nil)
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}

	folder := filepath.Join(dir, CIFAR10Subdir)
	names := listDir(t, folder)
	want := append(slices.Clone(cifar10TrainFiles), cifar10TestFile)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("dataset folder contains %v, want only the batches %v", names, want)
	}
	assertContains(t, out.String(), "WARNING: archive "+cifar10ArchiveName, "is NOT verified", "each file extracted from it is still checked")

	train, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatalf("LoadCIFAR10 after Ensure: %v", err)
	}
	if !bytes.Equal(train.Labels, []byte{0, 1, 2, 3, 4}) {
		t.Errorf("training labels = %v, want [0 1 2 3 4]", train.Labels)
	}
}

func TestEnsureArchiveKeepsPresentFiles(t *testing.T) {
	var before os.FileInfo
	dir, _, err := ensureArchive(t, tarGz(t, fakeCIFAREntries()), func(dir string) {
		path := writeFile(t, dir, filepath.Join(CIFAR10Subdir, "data_batch_3.bin"), fakeCIFAR()["data_batch_3.bin"])
		var err error
		if before, err = os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}

	after, err := os.Stat(filepath.Join(dir, CIFAR10Subdir, "data_batch_3.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("Ensure replaced a present, verified batch")
	}
}

func TestEnsureArchiveTruncated(t *testing.T) {
	archive := tarGz(t, fakeCIFAREntries())

	dir, _, err := ensureArchive(t, archive[:len(archive)/2], nil)
	if err == nil {
		t.Fatal("Ensure returned no error")
	}

	assertContains(t, err.Error(), "corrupt gzip stream", "cut short", "the download was deleted")
	if names := listDir(t, filepath.Join(dir, CIFAR10Subdir)); len(names) != 0 {
		t.Errorf("dataset folder contains %v after a truncated archive, want nothing", names)
	}
}

func TestEnsureArchiveRejectsMembers(t *testing.T) {
	good := fakeCIFAREntries()
	batch := fakeCIFAR()["data_batch_1.bin"]

	cases := []struct {
		name  string
		extra tarEntry
		want  string
	}{
		{"parent traversal", tarEntry{name: "../evil.bin", typeflag: tar.TypeReg, body: batch}, `unsafe member name "../evil.bin"`},
		{"traversal inside the folder", tarEntry{name: CIFAR10Subdir + "/../../evil.bin", typeflag: tar.TypeReg, body: batch}, "unsafe member name"},
		{"absolute path", tarEntry{name: "/tmp/evil.bin", typeflag: tar.TypeReg, body: batch}, `unsafe member name "/tmp/evil.bin"`},
		{"symbolic link", tarEntry{name: CIFAR10Subdir + "/link.bin", typeflag: tar.TypeSymlink, linkname: "/etc/passwd"}, "is a symbolic link"},
		{"hard link", tarEntry{name: CIFAR10Subdir + "/hard.bin", typeflag: tar.TypeLink, linkname: CIFAR10Subdir + "/data_batch_1.bin"}, "is a hard link"},
		{"other directory", tarEntry{name: "other/", typeflag: tar.TypeDir}, `unexpected directory member "other/"`},
		{"unknown member", tarEntry{name: CIFAR10Subdir + "/extra.bin", typeflag: tar.TypeReg, body: batch}, `unexpected member "cifar-10-batches-bin/extra.bin"`},
		{"device", tarEntry{name: CIFAR10Subdir + "/dev", typeflag: tar.TypeChar}, "only regular files are extracted"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The bad member comes first, so that nothing is extracted before it.
			entries := append([]tarEntry{tc.extra}, good...)

			dir, _, err := ensureArchive(t, tarGz(t, entries), nil)
			if err == nil {
				t.Fatal("Ensure returned no error")
			}
			assertContains(t, err.Error(), tc.want, "archive from http://127.0.0.1:")

			if names := listDir(t, filepath.Join(dir, CIFAR10Subdir)); len(names) != 0 {
				t.Errorf("dataset folder contains %v, want nothing", names)
			}
			if names := listDir(t, dir); !slices.Equal(names, []string{CIFAR10Subdir}) {
				t.Errorf("data directory contains %v, want only %s", names, CIFAR10Subdir)
			}
		})
	}
}

func TestEnsureArchiveDuplicateMember(t *testing.T) {
	entries := fakeCIFAREntries()
	entries = append(entries, entries[1])

	_, _, err := ensureArchive(t, tarGz(t, entries), nil)
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	assertContains(t, err.Error(), `member "cifar-10-batches-bin/data_batch_1.bin" appears twice`)
}

func TestEnsureArchiveMemberTooLarge(t *testing.T) {
	entries := fakeCIFAREntries()
	entries[1].body = append(slices.Clone(entries[1].body), cifarRecord(1, 0)...)

	dir, _, err := ensureArchive(t, tarGz(t, entries), nil)
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	assertContains(t, err.Error(), `member "cifar-10-batches-bin/data_batch_1.bin" is 6146 bytes, more than the 3073-byte limit`)
	assertNoTempFiles(t, filepath.Join(dir, CIFAR10Subdir))
}

func TestEnsureArchiveMemberChecksum(t *testing.T) {
	entries := fakeCIFAREntries()
	entries[2].body = cifarBatch([]byte{9}, 99)

	dir, _, err := ensureArchive(t, tarGz(t, entries), nil)
	var mismatch *ChecksumError
	if !errors.As(err, &mismatch) {
		t.Fatalf("error %v is not a *ChecksumError", err)
	}

	dest := filepath.Join(dir, CIFAR10Subdir, "data_batch_2.bin")
	if mismatch.Path != dest {
		t.Errorf("mismatch names %s, want %s", mismatch.Path, dest)
	}
	if _, statErr := os.Stat(dest); !errors.Is(statErr, fs.ErrNotExist) {
		t.Errorf("the bad member %s exists (stat error %v)", dest, statErr)
	}
	assertNoTempFiles(t, filepath.Join(dir, CIFAR10Subdir))

	// The error lists the batches that are still missing with the archive's URL.
	var missing *MissingFilesError
	if !errors.As(err, &missing) {
		t.Fatalf("error %v is not a *MissingFilesError", err)
	}
	assertContains(t, err.Error(), "cifar-10-batches-bin/data_batch_2.bin: download http://127.0.0.1:", cifar10ArchiveName+" and extract it into "+dir)
}

func TestEnsureArchiveMissingMember(t *testing.T) {
	entries := slices.DeleteFunc(fakeCIFAREntries(), func(e tarEntry) bool { return e.name == CIFAR10Subdir+"/test_batch.bin" })

	_, _, err := ensureArchive(t, tarGz(t, entries), nil)
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	assertContains(t, err.Error(), "lacks the members cifar-10-batches-bin/test_batch.bin")
}

func TestEnsureArchiveOffline(t *testing.T) {
	dir := t.TempDir()
	source := fakeCIFARSource("http://127.0.0.1:1/kriz/")

	err := Ensure(context.Background(), dir, "cifar10", EnsureOptions{Source: &source, Offline: true})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	for _, name := range append(slices.Clone(cifar10TrainFiles), cifar10TestFile) {
		assertContains(t, err.Error(), CIFAR10Subdir+"/"+name+": download http://127.0.0.1:1/kriz/"+cifar10ArchiveName+" and extract it into "+dir)
	}
}
