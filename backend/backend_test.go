package backend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCPUAndGo(t *testing.T) {
	for _, spec := range []string{"cpu", "go", "auto", ""} {
		if spec == "auto" || spec == "" {
			t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
			t.Setenv("HOME", t.TempDir())
		}
		info, err := Check(spec)
		if err != nil {
			t.Fatalf("%q: %v", spec, err)
		}
		want := spec
		if spec == "auto" || spec == "" {
			want = "cpu"
		}
		if info.Name != want {
			t.Errorf("%q: opened %q, want %q", spec, info.Name, want)
		}
		if info.Name == "cpu" && info.BLAS == "" {
			t.Errorf("%q: BLAS not reported", spec)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	cases := map[string]string{
		"bogus":             "unknown backend",
		"cpu:x":             "takes no argument",
		"xla":               "",
		"xla:cuda":          "",
		"xla:/nonexist.so":  "",
		"xla:/nonexist2.so": "",
	}
	for spec, want := range cases {
		start := time.Now()
		_, _, err := Open(spec)
		if err == nil {
			t.Errorf("%q: no error", spec)
			continue
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("%q: took %s to fail", spec, time.Since(start))
		}
		msg := err.Error()
		if want != "" && !strings.Contains(msg, want) {
			t.Errorf("%q: error %q does not contain %q", spec, msg, want)
		}
		if strings.HasPrefix(spec, "xla") && !strings.Contains(msg, "cgo") && !strings.Contains(msg, "PJRT_PLUGIN_LIBRARY_PATH") {
			t.Errorf("%q: error %q does not say how to get a plugin", spec, msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%q: error has several lines: %q", spec, msg)
		}
	}
}

func TestFindPlugins(t *testing.T) {
	dir := t.TempDir()
	home := t.TempDir()
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", dir)
	t.Setenv("HOME", home)
	t.Setenv("VIRTUAL_ENV", filepath.Join(home, "venv"))
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk(filepath.Join(dir, "pjrt_c_api_cpu_plugin.so"))
	mk(filepath.Join(home, "venv/lib/python3.11/site-packages/jax_plugins/xla_cuda12/xla_cuda_plugin.so"))
	got := FindPlugins()
	names := map[string]string{}
	for _, p := range got {
		names[p.Name] = p.Path
	}
	if names["cpu"] != filepath.Join(dir, "pjrt_c_api_cpu_plugin.so") || !strings.HasSuffix(names["cuda"], "xla_cuda_plugin.so") {
		t.Fatalf("FindPlugins = %+v", got)
	}
	if p, ok := preferred(got, ""); !ok || p.Name != "cuda" {
		t.Errorf("preferred = %+v, want the cuda plugin", p)
	}
	if p, ok := preferred(got, "cpu"); !ok || p.Name != "cpu" {
		t.Errorf("preferred(cpu) = %+v", p)
	}
	// The files are not real plugins: auto must fall back to cpu and say why.
	b, info, err := Open("auto")
	if err != nil {
		t.Fatal(err)
	}
	b.Finalize()
	if info.Name != "cpu" || (XLACompiled() && info.Note == "") {
		t.Errorf("auto with a broken plugin: %+v", info)
	}
	if !strings.Contains(Report(), "xla_cuda_plugin.so") {
		t.Errorf("Report does not list the plugin:\n%s", Report())
	}
}

func TestPluginName(t *testing.T) {
	for in, want := range map[string]string{
		"pjrt_c_api_cuda_plugin.so": "cuda",
		"pjrt-plugin-cpu.so":        "cpu",
		"pjrt_plugin_tpu.so":        "tpu",
		"xla_cuda_plugin.so":        "cuda",
	} {
		if got := pluginName(in); got != want {
			t.Errorf("pluginName(%q) = %q, want %q", in, got, want)
		}
	}
}
