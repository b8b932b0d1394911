package resnet50

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// BenchmarkFeatures times ResNet-50 features of batches of 224×224 RGB images (random pixels,
// so no resizing) on the cpu backend, with the ImageNet weights when cached, else random ones of
// the same shapes. The batch is $CCT_BENCH_BATCH (default DefaultBatchSize). It reports images/s
// and GFLOP/s (2 FLOP per multiply-add).
func BenchmarkFeatures(b *testing.B) {
	bs := DefaultBatchSize
	if s := os.Getenv("CCT_BENCH_BATCH"); s != "" {
		bs, _ = strconv.Atoi(s)
	}
	var m *Model
	if p, err := pretrainedPath(); err == nil {
		if m, err = Open(p); err != nil {
			b.Fatal(err)
		}
	} else {
		k := randomKeras(ResNet50, 1)
		dir := b.TempDir()
		if err := writeKeras(k, dir); err != nil {
			b.Fatal(err)
		}
		if m, err = Open(dir); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	img := make([]uint8, bs*224*224*3)
	for i := range img {
		img[i] = uint8(r.IntN(256))
	}
	opt := Options{BatchSize: bs}
	if _, err := m.Features(img, bs, 224, 224, 3, opt); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Features(img, bs, 224, 224, 3, opt); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bs)/sec, "images/s")
	b.ReportMetric(2*float64(ResNet50.MACs())*float64(bs)/sec/1e9, "GFLOP/s")
}
