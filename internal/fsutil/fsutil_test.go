package fsutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAtomic checks that a successful write replaces the file with mode 0644, and that a
// failing fill or verify leaves the old file and no temporary file behind.
func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("stat %v, mode %v, want 0644", err, fi.Mode())
	}
	boom := errors.New("boom")
	err = WriteAtomic(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom })
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "file "+path+": ") {
		t.Fatalf("fill error %v, want %q wrapped with the path", err, boom)
	}
	err = WriteAtomicVerified(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
		func(tmp string) error {
			b, _ := os.ReadFile(tmp)
			if string(b) != "new" {
				t.Errorf("verify sees %q, want the complete new content", b)
			}
			return boom
		})
	if !errors.Is(err, boom) {
		t.Fatalf("verify error %v, want %q", err, boom)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("file holds %q after failed writes, want the old content", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d entries in the folder, want only the file (no temporary left)", len(ents))
	}
	if err := WriteAtomic(filepath.Join(dir, "missing", "x"), func(io.Writer) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "missing") {
		t.Fatalf("write into a missing folder: %v, want an error naming the path", err)
	}
}

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a\nb": "a", "\nb": ""} {
		if got := FirstLine(in); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", in, got, want)
		}
	}
}
