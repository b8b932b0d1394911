package torchckpt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds mutated checkpoints to Parse: it must return a checkpoint or a one-line error,
// never panic or hang. The seed corpus is the small checkpoints of testdata/ (large seeds make the
// fuzzer's minimisation crawl).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.p*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) < 20_000 {
			f.Add(b)
		}
	}
	f.Add([]byte("\x80\x02]q\x00h\x00a."))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, n := range c.Tensors() {
			if _, err := n.Tensor.Float32(); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
		}
	})
}
