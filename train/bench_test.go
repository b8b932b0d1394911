package train

import (
	"io"
	"testing"
)

// BenchmarkTrainLinear measures the whole trainer loop (y-step by EM, optimiser step, evaluation,
// checkpoint and reports) on a small image folder with the linear model; it reports training
// images per second.
func BenchmarkTrainLinear(b *testing.B) {
	dataDir := b.TempDir()
	writeBlobImages(b, dataDir, 4, 250)
	cfg := blobConfig(dataDir)
	cfg.Epochs = 2
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Train(cfg, Options{RunsDir: b.TempDir(), Backend: testBackend, Out: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*cfg.Epochs*1000)/b.Elapsed().Seconds(), "images/s")
}
