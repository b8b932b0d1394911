package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Split names.
const (
	Train     = "train"
	Test      = "test"
	All       = "all" // train+test
	Unlabeled = "unlabeled"
)

// Names lists the built-in dataset names, in the order they are documented.
func Names() []string {
	return []string{"mnist", "fashion-mnist", "cifar10", "cifar100", "cifar100-20", "stl10"}
}

// Spec is a parsed dataset name: a built-in Kind, or "imagefolder"/"features" with a Path and
// options.
type Spec struct {
	Kind    string            // "mnist", ..., "imagefolder" or "features"
	Path    string            // the folder or file after "imagefolder:" / "features:"
	Options map[string]string // the ",key=value" options after the path
}

// specOptions lists the options each parametrised kind accepts.
var specOptions = map[string][]string{
	"imagefolder": {"size", "channels", "test", "labels", "bad"},
	"features":    {"labels", "test", "test-labels"},
}

// ParseName parses a dataset name: one of Names(), "imagefolder:DIR[,key=value...]" or
// "features:FILE[,key=value...]". A path may not contain a comma.
func ParseName(name string) (Spec, error) {
	for _, n := range Names() {
		if name == n {
			return Spec{Kind: n}, nil
		}
	}
	kind, rest, ok := strings.Cut(name, ":")
	allowed, known := specOptions[kind]
	if !ok || !known {
		return Spec{}, fmt.Errorf("unknown dataset %q: want one of %s, imagefolder:DIR or features:FILE",
			name, strings.Join(Names(), ", "))
	}
	parts := strings.Split(rest, ",")
	s := Spec{Kind: kind, Path: parts[0], Options: map[string]string{}}
	if s.Path == "" {
		return Spec{}, fmt.Errorf("dataset %q: missing path after %q", name, kind+":")
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" {
			return Spec{}, fmt.Errorf("dataset %q: option %q is not key=value", name, p)
		}
		valid := false
		for _, a := range allowed {
			valid = valid || a == k
		}
		if !valid {
			return Spec{}, fmt.Errorf("dataset %q: unknown option %q (want %s)", name, k, strings.Join(allowed, ", "))
		}
		if _, dup := s.Options[k]; dup {
			return Spec{}, fmt.Errorf("dataset %q: option %q given twice", name, k)
		}
		s.Options[k] = v
	}
	return s, nil
}

// Splits returns the basic splits a dataset has: train and test, plus unlabeled for STL-10. Image
// folders and feature files have a test split only when a test=... option names one.
func (s Spec) Splits() []string {
	switch {
	case s.Kind == "stl10":
		return []string{Train, Test, Unlabeled}
	case s.Options != nil && s.Options["test"] == "":
		return []string{Train}
	}
	return []string{Train, Test}
}

// expandSplit turns a split expression (train, test, unlabeled, all, or '+'-joined) into the list
// of basic splits, checking each exists for the dataset.
func expandSplit(s Spec, name, split string) ([]string, error) {
	have := s.Splits()
	var out []string
	for _, p := range strings.Split(split, "+") {
		if p == All {
			out = append(out, Train)
			if len(have) > 1 {
				out = append(out, Test)
			}
			continue
		}
		ok := false
		for _, h := range have {
			ok = ok || h == p
		}
		if !ok {
			msg := fmt.Sprintf("dataset %s has no split %q (want %s, all, or several joined by '+')",
				name, p, strings.Join(have, ", "))
			if p == Test && s.Options != nil {
				msg += "; add a test=PATH option to the name for a test split"
			}
			return nil, fmt.Errorf("%s", msg)
		}
		out = append(out, p)
	}
	seen := map[string]bool{}
	for _, p := range out {
		if seen[p] {
			return nil, fmt.Errorf("dataset %s: split %q names %s twice", name, split, p)
		}
		seen[p] = true
	}
	return out, nil
}

// Dir returns the data folder: flagValue when it is not empty, else $CCT_DATA, else the user cache
// folder's cct/ (~/.cache/cct on Linux).
func Dir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if d := os.Getenv("CCT_DATA"); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no data folder: set --data-dir or $CCT_DATA (%v)", err)
	}
	return filepath.Join(c, "cct"), nil
}
