package gallery

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/jpeg"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/cct-dev/cct/internal/fsutil"
)

// page is the HTML of gallery.html: a summary, then one section per cluster, and an info panel
// that a click on a thumbnail fills from the thumbnail's data attributes.
var page = template.Must(template.New("gallery").Funcs(template.FuncMap{
	"pct": func(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) },
	"nan": math.IsNaN,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; background: #fafafa; color: #222; }
h1 { font-size: 1.4em; }
section { background: #fff; border: 1px solid #ddd; border-radius: 4px; margin: 0 0 1em 0; padding: 0.5em 1em; }
h2 { font-size: 1.1em; margin: 0.3em 0; }
.meta { color: #555; font-weight: normal; }
.grid { display: flex; flex-wrap: wrap; gap: 3px; margin: 0.3em 0; }
.grid img, .grid .noimg { width: {{.Thumb}}px; height: {{.Thumb}}px; object-fit: contain; background: #eee; cursor: pointer; border: 2px solid transparent; }
.grid .noimg { font-size: 9px; overflow: hidden; }
.grid img:hover, .grid .noimg:hover { border-color: #36c; }
.doubtful { border-top: 1px dashed #bbb; padding-top: 0.2em; }
.doubtful .label { color: #a33; font-size: 0.85em; }
#info { position: fixed; right: 1em; top: 1em; width: 22em; background: #fff; border: 1px solid #999; padding: 0.6em; font-size: 0.9em; display: none; box-shadow: 2px 2px 6px #aaa; word-break: break-all; }
#info table { border-collapse: collapse; }
#info td { padding: 0 0.6em 0 0; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.N}} images in {{len .Clusters}} clusters.{{if not (nan .ACC)}} Against the {{.Labelled}} known labels: ACC {{pct .ACC}} (each cluster matched to one class).{{end}}
Thumbnails: the most confident members of each cluster first, then (after the dashed line) the least confident ones. Click a thumbnail for its file name and top-3 clusters.</p>
<div id="info"></div>
{{range .Clusters}}
<section id="cluster-{{.ID}}">
<h2>Cluster {{.ID}} <span class="meta">— {{.Size}} images{{if .Size}}, mean confidence {{printf "%.3f" .MeanConfidence}}{{end}}{{if .Class}}, class {{.Class}} (purity {{pct .Purity}} of {{.Labelled}} labelled){{end}}</span></h2>
<div class="grid">{{range .Confident}}{{template "thumb" .}}{{end}}</div>
{{if .Doubtful}}<div class="doubtful"><span class="label">least confident</span><div class="grid">{{range .Doubtful}}{{template "thumb" .}}{{end}}</div></div>{{end}}
</section>
{{end}}
<script>
function show(el) {
  var d = el.dataset, box = document.getElementById('info');
  var rows = '<tr><td>file</td><td>' + esc(d.name) + '</td></tr><tr><td>index</td><td>' + d.index + '</td></tr>';
  if (d.label) rows += '<tr><td>label</td><td>' + esc(d.label) + '</td></tr>';
  rows += '<tr><td>top clusters</td><td>' + esc(d.top) + '</td></tr>';
  if (d.err) rows += '<tr><td>image</td><td>' + esc(d.err) + '</td></tr>';
  box.innerHTML = '<table>' + rows + '</table><small>(click to close)</small>';
  box.style.display = 'block';
}
function esc(s) { var t = document.createElement('span'); t.textContent = s; return t.innerHTML; }
document.getElementById('info').onclick = function () { this.style.display = 'none'; };
</script>
</body>
</html>
{{define "thumb"}}{{if .Src}}<img src="{{.Src}}" alt="{{.Name}}" title="{{.Name}}" onclick="show(this)" data-name="{{.Name}}" data-index="{{.Index}}" data-label="{{.Label}}" data-top="{{.Top}}">{{else}}<div class="noimg" title="{{.Name}}" onclick="show(this)" data-name="{{.Name}}" data-index="{{.Index}}" data-label="{{.Label}}" data-top="{{.Top}}" data-err="{{.Err}}">{{.Name}}</div>{{end}}{{end}}
`))

// htmlThumb is a thumbnail as the template sees it.
type htmlThumb struct {
	Src   template.URL // data: URL of the JPEG, "" without an image
	Name  string       // file name, or "#index" without one
	Index int
	Label string // class name or number, "" when unknown
	Top   string // e.g. "3 (0.912), 7 (0.051), 1 (0.020)"
	Err   string
}

// WriteHTML writes gallery.html to path atomically.
func (g *Gallery) WriteHTML(path string, classNames []string) error {
	type cluster struct {
		Cluster
		Confident, Doubtful []htmlThumb
	}
	data := struct {
		Title    string
		N        int
		ACC      float64
		Labelled int
		Thumb    int
		Clusters []cluster
	}{g.Title, g.N, g.ACC, g.Labelled, g.thumb, nil}
	for _, c := range g.Clusters {
		hc := cluster{Cluster: c}
		for _, t := range c.Confident {
			h, err := toHTML(t, classNames)
			if err != nil {
				return err
			}
			hc.Confident = append(hc.Confident, h)
		}
		for _, t := range c.Doubtful {
			h, err := toHTML(t, classNames)
			if err != nil {
				return err
			}
			hc.Doubtful = append(hc.Doubtful, h)
		}
		data.Clusters = append(data.Clusters, hc)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return fmt.Errorf("gallery %s: %v", path, err)
	}
	return fsutil.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}

// toHTML encodes a thumbnail as a JPEG data URL with its click text.
func toHTML(t Thumb, classNames []string) (htmlThumb, error) {
	it := t.Item
	h := htmlThumb{Index: it.Index, Name: fmt.Sprintf("#%d", it.Index), Err: t.Err}
	if it.Path != "" {
		h.Name = filepath.Base(it.Path)
		if dir := filepath.Base(filepath.Dir(it.Path)); dir != "." && dir != string(filepath.Separator) {
			h.Name = dir + "/" + h.Name
		}
	}
	if it.Label >= 0 {
		h.Label = fmt.Sprint(it.Label)
		if it.Label < len(classNames) && classNames[it.Label] != "" {
			h.Label = classNames[it.Label]
		}
	}
	top := make([]string, 0, 3)
	for _, c := range it.Top[:min(3, len(it.Top))] {
		top = append(top, fmt.Sprintf("%d (%.3f)", c.Cluster, c.P))
	}
	if len(top) == 0 {
		top = append(top, fmt.Sprintf("%d (%.3f)", it.Cluster, it.Confidence))
	}
	h.Top = strings.Join(top, ", ")
	if t.Image != nil {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, t.Image, &jpeg.Options{Quality: 85}); err != nil {
			return h, err
		}
		h.Src = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	}
	return h, nil
}
