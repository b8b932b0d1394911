package weights

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress counts bytes written to it and reports them.
type progress interface {
	io.Writer
	Finish()
}

// newProgress reports a transfer of total bytes (≤ 0 if unknown) to out: a bar on a terminal, a
// line every 10% otherwise, nothing when out is nil.
func newProgress(out io.Writer, desc string, total int64) progress {
	if out == nil {
		return nop{}
	}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			bar := progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(out),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetWidth(30),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowCount(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
			)
			return &bar64{bar}
		}
	}
	return &lines{out: out, desc: desc, total: total}
}

type nop struct{}

func (nop) Write(p []byte) (int, error) { return len(p), nil }
func (nop) Finish()                     {}

type bar64 struct{ b *progressbar.ProgressBar }

func (b *bar64) Write(p []byte) (int, error) { return b.b.Write(p) }
func (b *bar64) Finish()                     { _ = b.b.Finish() }

type lines struct {
	out               io.Writer
	desc              string
	total, done, next int64
}

func (l *lines) Write(p []byte) (int, error) {
	l.done += int64(len(p))
	step := int64(32 << 20)
	if l.total > 0 {
		step = max(l.total/10, 1)
	}
	if l.next == 0 {
		l.next = step
	}
	if l.done >= l.next {
		if l.total > 0 {
			fmt.Fprintf(l.out, "%s: %3d%% (%.1f of %.1f MiB)\n", l.desc, l.done*100/l.total, mb(l.done), mb(l.total))
		} else {
			fmt.Fprintf(l.out, "%s: %.1f MiB\n", l.desc, mb(l.done))
		}
		for l.next <= l.done {
			l.next += step
		}
	}
	return len(p), nil
}

func (l *lines) Finish() { fmt.Fprintf(l.out, "%s: done (%.1f MiB)\n", l.desc, mb(l.done)) }

func mb(n int64) float64 { return float64(n) / (1 << 20) }
