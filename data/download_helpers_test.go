package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeServer serves fixed bodies by URL path on 127.0.0.1 and counts the requests.
type fakeServer struct {
	*httptest.Server

	mu       sync.Mutex
	bodies   map[string][]byte
	requests []string
}

func newFakeServer(t *testing.T, bodies map[string][]byte) *fakeServer {
	t.Helper()

	s := &fakeServer{bodies: bodies}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.Path)
		body, ok := s.bodies[r.URL.Path]
		s.mu.Unlock()

		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// requested returns the paths requested so far.
func (s *fakeServer) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func sha256Of(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// fakeMNIST returns the four decompressed files of a tiny MNIST-style dataset by file name.
func fakeMNIST() map[string][]byte {
	return map[string][]byte{
		idxTrainImages: mnistImagesFile(3),
		idxTrainLabels: mnistLabelsFile([]byte{1, 2, 3}),
		idxTestImages:  mnistImagesFile(2),
		idxTestLabels:  mnistLabelsFile([]byte{4, 5}),
	}
}

// fakeMNISTSource returns a source for the fake MNIST files with their real checksums, and the
// gzip bodies to serve by file name.
func fakeMNISTSource(t *testing.T, baseURLs ...string) (Source, map[string][]byte) {
	t.Helper()

	source := Source{Dataset: "mnist", Subdir: MNISTSubdir, BaseURLs: baseURLs}
	bodies := make(map[string][]byte)
	for _, name := range []string{idxTrainImages, idxTrainLabels, idxTestImages, idxTestLabels} {
		plain := fakeMNIST()[name]
		source.Files = append(source.Files, RemoteFile{
			Name:    name + ".gz",
			SHA256:  sha256Of(plain),
			Size:    int64(len(plain)),
			MaxSize: 1 << 20,
			Gzip:    true,
		})
		bodies[name+".gz"] = gzipBytes(t, plain)
	}
	return source, bodies
}

// serveUnder maps file bodies to URL paths under prefix.
func serveUnder(prefix string, bodies map[string][]byte) map[string][]byte {
	paths := make(map[string][]byte)
	for name, body := range bodies {
		paths[prefix+name] = body
	}
	return paths
}

// tarEntry is one member of a test archive.
type tarEntry struct {
	name     string
	typeflag byte
	body     []byte
	linkname string
}

// tarGz builds a gzip-compressed tar from the entries, without any checks.
func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()

	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.linkname}
		if e.typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil && e.typeflag == tar.TypeReg {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// listDir returns the names in dir, or nil when it does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()

	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// assertNoTempFiles fails when dir contains a leftover download or extraction file.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()

	for _, name := range listDir(t, dir) {
		if strings.HasPrefix(name, ".") {
			t.Errorf("temporary file %s left behind", filepath.Join(dir, name))
		}
	}
}

func assertContains(t *testing.T, text string, wants ...string) {
	t.Helper()

	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%q does not contain %q", text, want)
		}
	}
}
