package train

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		sets       []string
		wantInErr  string
	}{
		{"unknown top key", "epochz: 3\n", nil, "unknown key epochz"},
		{"unknown nested key", "optim:\n  lrr: 0.1\n", nil, "unknown key optim.lrr"},
		{"bad type", "optim:\n  lr: fast\n", nil, "key optim.lr"},
		{"bad int", "batch: 2.5\n", nil, "key batch"},
		{"mapping expected", "optim: 3\n", nil, "optim"},
		{"bad enum", "loss: cross\n", nil, "key loss"},
		{"bad range", "batch: 0\n", nil, "key batch"},
		{"negative lambda", "lambda: -1\n", nil, "key lambda"},
		{"scope", "pseudolabel:\n  scope: dataset\n", nil, "key pseudolabel.scope"},
		{"method", "pseudolabel:\n  method: sinkhorn\n", nil, "key pseudolabel.method"},
		{"noise range", "labels:\n  noise: 1.5\n", nil, "key labels.noise"},
		{"unknown replacement", "labels:\n  replace_with: gaussian\n", nil, "key labels.replace_with"},
		{"set unknown", "", []string{"optim.nope=1"}, "unknown key optim.nope"},
		{"set bad value", "", []string{"epochs=many"}, "key epochs"},
		{"set no equals", "", []string{"epochs"}, "key=value"},
		{"iic without augmentation", "loss: iic\n", nil, "key augment.pipeline"},
		{"bad yaml", "a: [\n", nil, "bad YAML"},
		{"unknown augment option", "augment:\n  options:\n    degres: 3\n", nil, "unknown key augment.options.degres"},
		{"bad list", "augment:\n  options:\n    ops: 3\n", nil, "key augment.options.ops"},
		{"init on vgg4", "model:\n  name: vgg4\n  init: w.pth\n", nil, "key model.init"},
		{"init prefix alone", "model:\n  name: resnet18\n  init_prefix: module.\n", nil, "key model.init_prefix"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.yaml != "" {
				path = writeTemp(t, "c.yaml", tc.yaml)
			}
			_, err := LoadConfig(path, tc.sets)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.wantInErr)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) {
				t.Fatalf("error %q does not contain %q", err, tc.wantInErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestLoadConfigValuesAndOverrides(t *testing.T) {
	p := writeTemp(t, "c.yaml", "name: x\nepochs: 3\noptim:\n  lr: 0.5\naugment:\n  pipeline: digits\n")
	cfg, err := LoadConfig(p, []string{"optim.weight_decay=0.25", "data.name=features:/a b.npy", "seed=7",
		"augment.options.ops=[Rotate, Solarize]", "augment.options.degrees=5"})
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name, want.Epochs, want.Optim.LR, want.Augment.Pipeline = "x", 3, 0.5, "digits"
	want.Optim.WeightDecay, want.Data.Name, want.Seed = 0.25, "features:/a b.npy", 7
	want.Augment.Options.Ops, want.Augment.Options.Degrees = []string{"Rotate", "Solarize"}, 5
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
	// The resolved YAML reads back to the same configuration.
	back, err := LoadConfig(writeTemp(t, "r.yaml", string(cfg.YAML())), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Fatalf("round trip: got %+v\nwant %+v", back, cfg)
	}
}

func TestHelpConfigDocumentsEveryKey(t *testing.T) {
	help := HelpConfig()
	var walk func(t2 reflect.Type, prefix string)
	walk = func(t2 reflect.Type, prefix string) {
		for i := 0; i < t2.NumField(); i++ {
			f := t2.Field(i)
			key := joinKey(prefix, strings.Split(f.Tag.Get("yaml"), ",")[0])
			if f.Type.Kind() == reflect.Struct && f.Tag.Get("doc") == "" {
				walk(f.Type, key)
				continue
			}
			if f.Tag.Get("doc") == "" {
				t.Errorf("key %s has no doc", key)
			}
			if f.Type.Kind() == reflect.Struct {
				for j := 0; j < f.Type.NumField(); j++ {
					sub := joinKey(key, strings.Split(f.Type.Field(j).Tag.Get("yaml"), ",")[0])
					if !strings.Contains(help, "  "+sub+" ") {
						t.Errorf("key %s missing from HelpConfig", sub)
					}
				}
				continue
			}
			if !strings.Contains(help, "  "+key+" ") {
				t.Errorf("key %s missing from HelpConfig", key)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

// TestRepositoryConfigsLoad loads every configuration of configs/ and checks that the Table 4
// scratch configurations start from random weights at one learning rate.
func TestRepositoryConfigsLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "configs", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs found: %v", err)
	}
	for _, f := range files {
		cfg, err := LoadConfig(f, nil)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if strings.HasPrefix(filepath.Base(f), "table4-scratch-") {
			if cfg.Model.Init != "" || cfg.Optim.BackboneLR != 0 {
				t.Errorf("%s: a scratch configuration with model.init %q, backbone_lr %g", f, cfg.Model.Init, cfg.Optim.BackboneLR)
			}
			// The paper's setting that scripts/table4.sh adds when the pretext weights exist.
			if _, err := LoadConfig(f, []string{"model.init=weights/scan/simclr.pth.tar", "optim.lr=0.0001",
				"optim.backbone_lr=0.00001", "optim.schedule=constant", "optim.warmup=0"}); err != nil {
				t.Errorf("%s with the pretrained setting: %v", f, err)
			}
		}
	}
}
