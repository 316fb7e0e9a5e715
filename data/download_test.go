package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnsureDownloadsAndVerifies(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/mnist/"}
	var out bytes.Buffer

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &out})
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}

	folder := filepath.Join(dir, MNISTSubdir)
	for name, body := range bodies {
		got, err := os.ReadFile(filepath.Join(folder, name))
		if err != nil {
			t.Errorf("downloaded file: %v", err)
			continue
		}
		if !bytes.Equal(got, body) {
			t.Errorf("%s differs from the served file", name)
		}
	}
	assertNoTempFiles(t, folder)
	assertContains(t, out.String(), "downloading train-images-idx3-ubyte.gz from "+server.URL+"/mnist/train-images-idx3-ubyte.gz")

	ds, err := LoadMNIST(dir, false)
	if err != nil {
		t.Fatalf("LoadMNIST after Ensure: %v", err)
	}
	if !slices.Equal(ds.Labels, []byte{4, 5}) {
		t.Errorf("test labels = %v, want [4 5]", ds.Labels)
	}

	// A second call finds every file verified and sends no request.
	before := len(server.requested())
	if err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &out}); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if after := len(server.requested()); after != before {
		t.Errorf("second Ensure sent %d requests, want 0", after-before)
	}
}

func TestEnsureAcceptsOtherGzipHeader(t *testing.T) {
	dir := t.TempDir()
	source, _ := fakeMNISTSource(t, "http://127.0.0.1:1/unused/")

	// The files carry a stored name and a modification time, as a repacked copy would, and one
	// is stored decompressed. Their decompressed content still matches.
	for _, name := range []string{idxTrainImages, idxTrainLabels, idxTestImages} {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		zw.Name = name
		zw.ModTime = time.Date(2020, 6, 5, 0, 0, 0, 0, time.UTC)
		zw.Write(fakeMNIST()[name])
		zw.Close()
		writeFile(t, dir, filepath.Join(MNISTSubdir, name+".gz"), buf.Bytes())
	}
	writeFile(t, dir, filepath.Join(MNISTSubdir, idxTestLabels), fakeMNIST()[idxTestLabels])

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Offline: true})
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
}

func TestEnsureMirrorFallback(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/second/", bodies))
	var out bytes.Buffer

	opts := EnsureOptions{
		Source:   &source,
		BaseURLs: []string{server.URL + "/first/", server.URL + "/second/"},
		Output:   &out,
	}
	if err := Ensure(context.Background(), dir, "mnist", opts); err != nil {
		t.Fatalf("Ensure: %v", err)
	}

	requested := server.requested()
	for _, want := range []string{"/first/train-images-idx3-ubyte.gz", "/second/train-images-idx3-ubyte.gz"} {
		if !slices.Contains(requested, want) {
			t.Errorf("requests %v lack %s", requested, want)
		}
	}
	if _, err := LoadMNIST(dir, true); err != nil {
		t.Errorf("LoadMNIST after the fallback: %v", err)
	}
}

func TestEnsureChecksumMismatch(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	bodies[idxTrainLabels+".gz"] = gzipBytes(t, mnistLabelsFile([]byte{1, 2, 4}))
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/mnist/"}
	var out bytes.Buffer

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &out})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}

	var mismatch *ChecksumError
	if !errors.As(err, &mismatch) {
		t.Fatalf("error %v is not a *ChecksumError", err)
	}
	dest := filepath.Join(dir, MNISTSubdir, idxTrainLabels+".gz")
	url := server.URL + "/mnist/" + idxTrainLabels + ".gz"
	if mismatch.Path != dest || mismatch.URL != url {
		t.Errorf("mismatch names %s from %s, want %s from %s", mismatch.Path, mismatch.URL, dest, url)
	}
	actual := sha256Of(mnistLabelsFile([]byte{1, 2, 4}))
	assertContains(t, err.Error(), dest, "expected sha256 "+source.Files[1].SHA256, "got "+actual, url, "the download was deleted")

	if _, statErr := os.Stat(dest); !errors.Is(statErr, fs.ErrNotExist) {
		t.Errorf("the failed download %s exists (stat error %v)", dest, statErr)
	}
	assertNoTempFiles(t, filepath.Join(dir, MNISTSubdir))

	// The file before it was good and stays. The files after it were not tried, and the error
	// lists them with the failed one.
	if _, err := os.Stat(filepath.Join(dir, MNISTSubdir, idxTrainImages+".gz")); err != nil {
		t.Errorf("the verified training images are gone: %v", err)
	}
	var missing *MissingFilesError
	if !errors.As(err, &missing) || len(missing.Files) != 3 {
		t.Errorf("error %v does not list the 3 files still missing", err)
	}
}

func TestEnsurePresentFileCorrupt(t *testing.T) {
	dir := t.TempDir()
	source, _ := fakeMNISTSource(t, "http://127.0.0.1:1/unused/")
	path := writeFile(t, dir, filepath.Join(MNISTSubdir, idxTestImages+".gz"), gzipBytes(t, mnistImagesFile(1)))

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Offline: true})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}

	var mismatch *ChecksumError
	if !errors.As(err, &mismatch) {
		t.Fatalf("error %v is not a *ChecksumError", err)
	}
	assertContains(t, err.Error(), path, "already there", "delete it")
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Ensure removed the present file: %v", err)
	}
}

func TestEnsureOffline(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/a/", server.URL + "/b/"}
	writeFile(t, dir, filepath.Join(MNISTSubdir, idxTestLabels+".gz"), bodies[idxTestLabels+".gz"])

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Offline: true})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}

	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	folder := filepath.Join(dir, MNISTSubdir)
	msg := err.Error()
	assertContains(t, msg, "3 files missing and downloading is off")
	for _, name := range []string{idxTrainImages, idxTrainLabels, idxTestImages} {
		assertContains(t, msg, name+".gz: download "+server.URL+"/a/"+name+".gz or "+server.URL+"/b/"+name+".gz into "+folder)
	}
	if strings.Contains(msg, idxTestLabels) {
		t.Errorf("error %q lists the present file %s", msg, idxTestLabels)
	}
	if n := len(server.requested()); n != 0 {
		t.Errorf("offline Ensure sent %d requests", n)
	}
}

func TestEnsureNetworkError(t *testing.T) {
	dir := t.TempDir()
	source, _ := fakeMNISTSource(t)

	// A server that was started and closed again leaves a port that refuses connections.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	source.BaseURLs = []string{closed.URL + "/mnist/"}

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}

	var missing *MissingFilesError
	if !errors.As(err, &missing) {
		t.Fatalf("error %v is not a *MissingFilesError", err)
	}
	if missing.Cause == nil {
		t.Error("MissingFilesError has no cause")
	}
	folder := filepath.Join(dir, MNISTSubdir)
	msg := err.Error()
	assertContains(t, msg, "download failed, so 4 files are still missing", "GET "+closed.URL+"/mnist/train-images-idx3-ubyte.gz failed")
	for _, name := range []string{idxTrainImages, idxTrainLabels, idxTestImages, idxTestLabels} {
		assertContains(t, msg, name+".gz: download "+closed.URL+"/mnist/"+name+".gz into "+folder)
	}
	assertNoTempFiles(t, folder)
}

func TestEnsureUnwritableDir(t *testing.T) {
	t.Run("file in the way", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		writeFile(t, filepath.Dir(dir), "data", []byte("not a directory"))
		source, _ := fakeMNISTSource(t, "http://127.0.0.1:1/unused/")

		err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source})
		if err == nil {
			t.Fatal("Ensure returned no error")
		}
		assertContains(t, err.Error(), "cannot create the dataset folder "+filepath.Join(dir, MNISTSubdir), "-data or VKCNN_DATA")
	})

	t.Run("read-only folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root can write to a read-only folder")
		}
		dir := t.TempDir()
		folder := filepath.Join(dir, MNISTSubdir)
		if err := os.Mkdir(folder, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(folder, 0o755) })
		source, _ := fakeMNISTSource(t, "http://127.0.0.1:1/unused/")

		err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source})
		if err == nil {
			t.Fatal("Ensure returned no error")
		}
		assertContains(t, err.Error(), "the dataset folder "+folder+" is not writable")
	})
}

func TestEnsureUnverifiedFile(t *testing.T) {
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/mnist/"}
	source.Files[0].SHA256 = ""
	actual := sha256Of(fakeMNIST()[idxTrainImages])

	t.Run("warns", func(t *testing.T) {
		dir := t.TempDir()
		var out bytes.Buffer
		if err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &out}); err != nil {
			t.Fatalf("Ensure: %v", err)
		}
		assertContains(t, out.String(), "WARNING", filepath.Join(dir, MNISTSubdir, idxTrainImages+".gz")+" is NOT verified", actual)

		// A present unverified file is reported again on each call.
		out.Reset()
		if err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &out}); err != nil {
			t.Fatalf("second Ensure: %v", err)
		}
		assertContains(t, out.String(), "is NOT verified")
	})

	t.Run("rejects with RequireVerified", func(t *testing.T) {
		dir := t.TempDir()
		err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}, RequireVerified: true})
		if err == nil {
			t.Fatal("Ensure returned no error")
		}
		dest := filepath.Join(dir, MNISTSubdir, idxTrainImages+".gz")
		assertContains(t, err.Error(), dest, "no recorded checksum", "RequireVerified", actual)
		if _, statErr := os.Stat(dest); !errors.Is(statErr, fs.ErrNotExist) {
			t.Errorf("the unverified download %s exists (stat error %v)", dest, statErr)
		}
	})
}

func TestEnsureSizeLimit(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/mnist/"}
	source.Files[0].MaxSize = int64(len(bodies[idxTrainImages+".gz"]) - 1)

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	assertContains(t, err.Error(), "more than the", "-byte limit for train-images-idx3-ubyte.gz")
	assertNoTempFiles(t, filepath.Join(dir, MNISTSubdir))
}

func TestEnsureDecompressedSizeMismatch(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	bodies[idxTestImages+".gz"] = gzipBytes(t, mnistImagesFile(1))
	server := newFakeServer(t, serveUnder("/mnist/", bodies))
	source.BaseURLs = []string{server.URL + "/mnist/"}

	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}})
	var mismatch *ChecksumError
	if !errors.As(err, &mismatch) {
		t.Fatalf("error %v is not a *ChecksumError", err)
	}
	if mismatch.ExpectedSize != int64(len(mnistImagesFile(2))) || mismatch.ActualSize != int64(len(mnistImagesFile(1))) {
		t.Errorf("sizes %d and %d, want %d and %d", mismatch.ExpectedSize, mismatch.ActualSize, len(mnistImagesFile(2)), len(mnistImagesFile(1)))
	}
}

func TestEnsureStalledDownload(t *testing.T) {
	dir := t.TempDir()
	source, _ := fakeMNISTSource(t)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer server.Close()
	source.BaseURLs = []string{server.URL + "/mnist/"}

	start := time.Now()
	err := Ensure(context.Background(), dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}, StallTimeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("Ensure returned no error")
	}
	if !errors.Is(err, errStalled) {
		t.Errorf("error %v does not wrap errStalled", err)
	}
	assertContains(t, err.Error(), "no data received for 100ms")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Ensure took %s to give up", elapsed)
	}
	assertNoTempFiles(t, filepath.Join(dir, MNISTSubdir))
}

func TestEnsureCancelled(t *testing.T) {
	dir := t.TempDir()
	source, bodies := fakeMNISTSource(t)
	server := newFakeServer(t, serveUnder("/a/", bodies))
	source.BaseURLs = []string{server.URL + "/a/", server.URL + "/b/"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := Ensure(ctx, dir, "mnist", EnsureOptions{Source: &source, Output: &bytes.Buffer{}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if n := len(server.requested()); n != 0 {
		t.Errorf("cancelled Ensure reached the server %d times", n)
	}
}

func TestEnsureInvalidRequests(t *testing.T) {
	source, _ := fakeMNISTSource(t, "http://127.0.0.1:1/unused/")
	badName := source.clone()
	badName.Files[0].Name = "../escape.gz"
	badSum := source.clone()
	badSum.Files[0].SHA256 = "ABC"

	cases := []struct {
		name    string
		dir     string
		dataset string
		opts    EnsureOptions
		want    string
	}{
		{"unknown dataset", t.TempDir(), "imagenet", EnsureOptions{}, `unknown dataset "imagenet": want one of cifar10, fashion-mnist, mnist`},
		{"empty directory", "", "mnist", EnsureOptions{Offline: true}, "no data directory given"},
		{"file name with a path", t.TempDir(), "mnist", EnsureOptions{Source: &badName}, `invalid file name "../escape.gz"`},
		{"malformed checksum", t.TempDir(), "mnist", EnsureOptions{Source: &badSum}, `invalid SHA-256 "ABC"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Ensure(context.Background(), tc.dir, tc.dataset, tc.opts)
			if err == nil {
				t.Fatal("Ensure returned no error")
			}
			assertContains(t, err.Error(), tc.want)
		})
	}
}

func TestRegistryEntriesValid(t *testing.T) {
	for _, dataset := range Datasets() {
		source, err := LookupSource(dataset)
		if err != nil {
			t.Fatalf("LookupSource(%q): %v", dataset, err)
		}
		if _, err := ensureSource(dataset, EnsureOptions{Source: &source}); err != nil {
			t.Errorf("registry entry %q: %v", dataset, err)
		}
		if len(source.Files) == 0 {
			t.Errorf("registry entry %q has no files", dataset)
		}
	}

	// The MNIST and CIFAR-10 batch checksums are known, and MNIST has a second mirror.
	for _, dataset := range []string{"mnist", "cifar10"} {
		source, _ := LookupSource(dataset)
		for _, f := range source.Files {
			if f.SHA256 == "" {
				t.Errorf("%s: %s has no checksum", dataset, f.Name)
			}
		}
	}
	mnist, _ := LookupSource("mnist")
	if !slices.Equal(mnist.BaseURLs, []string{mnistPrimaryURL, mnistMirrorURL}) {
		t.Errorf("mnist mirrors = %v", mnist.BaseURLs)
	}
}

func TestLookupSourceReturnsCopy(t *testing.T) {
	first, err := LookupSource("cifar10")
	if err != nil {
		t.Fatal(err)
	}
	first.Files[0].SHA256 = "changed"
	first.Archive.Name = "changed"
	first.BaseURLs[0] = "changed"

	second, _ := LookupSource("cifar10")
	if second.Files[0].SHA256 == "changed" || second.Archive.Name == "changed" || second.BaseURLs[0] == "changed" {
		t.Error("a change to one LookupSource result reached the registry")
	}
}
