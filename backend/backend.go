// Package backend chooses and opens the GoMLX backend that runs cct's computation graphs.
//
// Specs:
//
//	auto            XLA when a PJRT plugin is found on this machine (CUDA preferred), else cpu
//	cpu             the project's CPU backend (package backend/cpu), GEMM through package blas (Go AVX2/FMA, or OpenBLAS)
//	go              GoMLX's pure-Go backend (simplego), its graph nodes run one after another
//	go:OPTIONS      simplego with its own options (e.g. ops_parallel, parallelism=N)
//	xla             XLA with a PJRT plugin found locally (CUDA preferred over CPU)
//	xla:NAME        XLA with the plugin NAME (e.g. cuda, cpu) found locally
//	xla:/abs/p.so   XLA with the plugin at that path
//
// Nothing is ever downloaded: plugins are looked for in PJRT_PLUGIN_LIBRARY_PATH, GoMLX/go-xla's
// standard folders (~/.local/lib/go-xla, /usr/local/lib/go-xla, ...), LD_LIBRARY_PATH, and the
// jax_plugins folders of Python site-packages (JAX's CUDA wheel ships xla_cuda_plugin.so). XLA needs a
// binary built with cgo; without it the xla specs fail at once with a message saying so.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cct-dev/cct/backend/cpu"
	"github.com/cct-dev/cct/internal/fsutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// Info says which backend runs, for logs and reports.
type Info struct {
	Spec   string `json:"spec"`             // the spec asked for
	Name   string `json:"name"`             // "cpu", "go" or "xla"
	Plugin string `json:"plugin,omitempty"` // PJRT plugin path (xla)
	BLAS   string `json:"blas,omitempty"`   // matrix-product implementation (cpu)
	Note   string `json:"note,omitempty"`   // e.g. why auto did not pick XLA
}

// String describes the backend in one line.
func (i Info) String() string {
	s := i.Name
	if i.Plugin != "" {
		s += " (plugin " + i.Plugin + ")"
	}
	if i.BLAS != "" {
		s += " (GEMM " + i.BLAS + ")"
	}
	if i.Note != "" {
		s += "; " + i.Note
	}
	return s
}

// Plugin is a PJRT plugin found on this machine.
type Plugin struct {
	Name string `json:"name"` // e.g. "cuda", "cpu"
	Path string `json:"path"`
}

// PluginHelp tells how to make a PJRT plugin available.
const PluginHelp = "get a plugin with 'pip install \"jax[cuda12]\"' (it ships jax_plugins/xla_cuda12/xla_cuda_plugin.so) " +
	"or from github.com/gomlx/go-xla releases, then set PJRT_PLUGIN_LIBRARY_PATH to its folder or use " +
	"--backend xla:/absolute/path/to/plugin.so"

// Open opens the backend named by spec (see the package documentation); "" means auto.
func Open(spec string) (backends.Backend, Info, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		spec = "auto"
	}
	info := Info{Spec: spec}
	name, arg, _ := strings.Cut(spec, ":")
	switch name {
	case "auto":
		if arg != "" {
			return nil, info, fmt.Errorf("backend %q: auto takes no argument", spec)
		}
		if XLACompiled() {
			if p, ok := preferred(FindPlugins(), ""); ok {
				b, err := openXLA(p.Path)
				if err == nil {
					info.Name, info.Plugin = "xla", p.Path
					return b, info, nil
				}
				info.Note = fmt.Sprintf("XLA plugin %s failed (%v), using cpu", p.Path, fsutil.FirstLine(err.Error()))
			}
		}
		return openCPU(info)
	case "cpu":
		if arg != "" {
			return nil, info, fmt.Errorf("backend %q: cpu takes no argument", spec)
		}
		return openCPU(info)
	case "go":
		if arg == "" {
			// Graph nodes one after another: with nodes running in parallel, simplego's worker pool
			// (2 goroutines per CPU) can fill with nodes that each wait for a worker for their own
			// inner parallel loops, and the program hangs (seen on 2 cores in the train tests).
			arg = "ops_sequential"
		}
		b, err := simplego.New(arg)
		if err != nil {
			return nil, info, fmt.Errorf("backend %q: %v", spec, fsutil.FirstLine(err.Error()))
		}
		info.Name = "go"
		return b, info, nil
	case "xla":
		if !XLACompiled() {
			return nil, info, fmt.Errorf("backend %q: this cct binary was built without cgo, which XLA needs; "+
				"rebuild with CGO_ENABLED=1 (and a C compiler), or use --backend cpu", spec)
		}
		path := arg
		if !filepath.IsAbs(arg) {
			p, ok := preferred(FindPlugins(), arg)
			if !ok {
				what := "no PJRT plugin found"
				if arg != "" {
					what = fmt.Sprintf("no PJRT plugin named %q found", arg)
				}
				return nil, info, fmt.Errorf("backend %q: %s; %s", spec, what, PluginHelp)
			}
			path = p.Path
		} else if _, err := os.Stat(path); err != nil {
			return nil, info, fmt.Errorf("backend %q: plugin file: %v; %s", spec, err, PluginHelp)
		}
		b, err := openXLA(path)
		if err != nil {
			return nil, info, fmt.Errorf("backend %q: loading plugin %s: %v", spec, path, fsutil.FirstLine(err.Error()))
		}
		info.Name, info.Plugin = "xla", path
		return b, info, nil
	}
	return nil, info, fmt.Errorf("unknown backend %q: use auto, cpu, go, xla, xla:cuda or xla:/abs/path/plugin.so", spec)
}

func openCPU(info Info) (backends.Backend, Info, error) {
	b, err := cpu.New("")
	if err != nil {
		return nil, info, err
	}
	info.Name, info.BLAS = "cpu", cpu.GemmName()
	return b, info, nil
}

// preferred returns the plugin named name, or with name "" the CUDA plugin, else the CPU one, else
// the first found.
func preferred(plugins []Plugin, name string) (Plugin, bool) {
	if name != "" {
		for _, p := range plugins {
			if p.Name == name {
				return p, true
			}
		}
		return Plugin{}, false
	}
	for _, want := range []string{"cuda", "cpu"} {
		for _, p := range plugins {
			if p.Name == want {
				return p, true
			}
		}
	}
	if len(plugins) > 0 {
		return plugins[0], true
	}
	return Plugin{}, false
}

// SearchPaths returns the folders searched for PJRT plugins, in order.
func SearchPaths() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("PJRT_PLUGIN_LIBRARY_PATH")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local/lib/go-xla"), filepath.Join(home, ".local/lib/go-xla/nvidia"),
			filepath.Join(home, ".local/lib/gomlx/pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	for _, d := range filepath.SplitList(os.Getenv("LD_LIBRARY_PATH")) {
		if filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// sitePackages returns Python site-packages folders that may hold jax_plugins.
func sitePackages() []string {
	var roots []string
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if v := os.Getenv(env); v != "" {
			roots = append(roots, v)
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, ".local"))
	}
	roots = append(roots, "/usr/local", "/usr", "/opt/conda")
	var dirs []string
	for _, r := range roots {
		for _, sub := range []string{"site-packages", "dist-packages"} {
			m, _ := filepath.Glob(filepath.Join(r, "lib", "python3*", sub))
			dirs = append(dirs, m...)
		}
	}
	return dirs
}

// FindPlugins lists the PJRT plugins found on this machine (without loading them), at most one per
// name, in search order.
func FindPlugins() []Plugin {
	var out []Plugin
	seen := map[string]bool{}
	add := func(name, path string) {
		if name == "" || seen[name] {
			return
		}
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			return
		}
		seen[name] = true
		out = append(out, Plugin{Name: name, Path: path})
	}
	for _, dir := range SearchPaths() {
		for _, pat := range []string{"pjrt-plugin-*.so", "pjrt_plugin_*.so", "pjrt_c_api_*_plugin.so"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			sort.Strings(m)
			for _, p := range m {
				add(pluginName(filepath.Base(p)), p)
			}
		}
	}
	for _, sp := range sitePackages() {
		m, _ := filepath.Glob(filepath.Join(sp, "jax_plugins", "*", "xla_*_plugin.so"))
		sort.Strings(m)
		for _, p := range m {
			add(pluginName(filepath.Base(p)), p)
		}
	}
	return out
}

// pluginName extracts "cuda" from pjrt_c_api_cuda_plugin.so, pjrt-plugin-cuda.so or xla_cuda_plugin.so.
func pluginName(base string) string {
	s := strings.TrimSuffix(base, ".so")
	for _, pre := range []string{"pjrt_c_api_", "pjrt-plugin-", "pjrt_plugin_", "xla_"} {
		s = strings.TrimPrefix(s, pre)
	}
	return strings.TrimSuffix(s, "_plugin")
}
