// Command resnet50-crosscheck writes the preprocessed inputs of the ResNet-50 cross-check (see
// run.sh) into a folder: a synthetic 224×224 RGB pattern and the test photo
// models/resnet50/testdata/chelsea.jpg, each as 224×224×3 little-endian float32 (NHWC, BGR, ImageNet
// means subtracted, as resnet50.Preprocess makes them), with inputs.json listing them.
//
//	go run ./scripts/resnet50-crosscheck OUT_DIR
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/cct-dev/cct/models/resnet50"
)

// pattern is the synthetic input, also built by the Go test that reads the fixture:
// pixel (y, x, c) = (3y + 5x + 80c + (x·y mod 17)) mod 256.
func pattern() []uint8 {
	img := make([]uint8, 224*224*3)
	for y := 0; y < 224; y++ {
		for x := 0; x < 224; x++ {
			for c := 0; c < 3; c++ {
				img[(y*224+x)*3+c] = uint8((3*y + 5*x + 80*c + (x*y)%17) % 256)
			}
		}
	}
	return img
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: resnet50-crosscheck OUT_DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	cat, h, w, err := resnet50.ReadImage("models/resnet50/testdata/chelsea.jpg")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type input struct {
		Name   string `json:"name"`
		Source string `json:"source"`
		File   string `json:"file"`
	}
	var list []input
	for _, in := range []struct {
		name, source string
		img          []uint8
		h, w         int
	}{
		{"pattern", "pixel (y,x,c) = (3y + 5x + 80c + (x*y mod 17)) mod 256, 224x224 RGB", pattern(), 224, 224},
		{"chelsea", "models/resnet50/testdata/chelsea.jpg", cat, h, w},
	} {
		x := make([]float32, 224*224*3)
		resnet50.Preprocess(in.img, in.h, in.w, 3, x)
		b := make([]byte, 0, 4*len(x))
		for _, v := range x {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		file := in.name + ".f32"
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		list = append(list, input{in.name, in.source, file})
	}
	j, _ := json.MarshalIndent(list, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "inputs.json"), j, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
