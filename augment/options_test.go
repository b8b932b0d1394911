package augment

import (
	"strings"
	"testing"

	"github.com/spf13/viper"
)

func TestOptionsFromYAML(t *testing.T) {
	const doc = `
flip_prob: 0.3
crop_pad: 2
pad_mode: reflect
num_ops: 2
ops: [Rotate, Posterize]
cutout_holes: -1
normalize: cifar10
brightness: 0.2
`
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	var o Options
	if err := v.Unmarshal(&o); err != nil {
		t.Fatal(err)
	}
	want := Options{FlipProb: 0.3, CropPad: 2, PadMode: "reflect", NumOps: 2,
		Ops: []string{"Rotate", "Posterize"}, CutoutHoles: -1, Normalize: "cifar10", Brightness: 0.2}
	if o.FlipProb != want.FlipProb || o.CropPad != want.CropPad || o.PadMode != want.PadMode ||
		o.NumOps != want.NumOps || strings.Join(o.Ops, ",") != "Rotate,Posterize" ||
		o.CutoutHoles != want.CutoutHoles || o.Normalize != want.Normalize || o.Brightness != want.Brightness {
		t.Fatalf("decoded %+v, want %+v", o, want)
	}
	r := mustNew(t, "scan", o).Options()
	if r.FlipProb != 0.3 || r.CropPad != 2 || r.NumOps != 2 || len(r.Ops) != 2 || r.CutoutHoles != 0 ||
		r.Brightness != 0.2 || r.JitterProb != 1 {
		t.Errorf("resolved %+v", r)
	}
}
