package train

import (
	"strings"
	"testing"
)

// TestModelInitErrors: a checkpoint that does not fit the network, and one that is not a
// checkpoint, stop the run before training with one line naming model.init and the file.
func TestModelInitErrors(t *testing.T) {
	dataDir := t.TempDir()
	writeBlobImages(t, dataDir, 2, 4)
	bad := writeTemp(t, "bad.pth", "not a checkpoint")
	for _, tc := range []struct {
		init string
		want []string
	}{
		{"../models/torchckpt/testdata/torchvision_w4.pth", []string{"key model.init: ../models/torchckpt/testdata/torchvision_w4.pth does not fit resnet18-torchvision",
			"key conv1.weight has shape 4×3×7×7, the model needs 64×1×7×7"}},
		{bad, []string{"key model.init: " + bad + ": not a PyTorch checkpoint"}},
	} {
		cfg := blobConfig(dataDir)
		cfg.Model = ModelConfig{Name: "resnet18-torchvision", Init: tc.init}
		cfg.Epochs, cfg.Batch = 1, 4
		_, err := Train(cfg, Options{RunsDir: t.TempDir(), Backend: testBackend, Out: &strings.Builder{}})
		if err == nil {
			t.Fatalf("%s: no error", tc.init)
		}
		t.Log(err)
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line with %q", err, w)
			}
		}
	}
}
